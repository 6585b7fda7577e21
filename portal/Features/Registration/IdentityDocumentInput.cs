using System.Globalization;
using System.Text.RegularExpressions;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Registration;

/// <summary>What the RA operator enters from the identity document the applicant shows at the branch, and the checks done.</summary>
public sealed record IdentityDocumentInput
{
    public const int NoteMaxLength = 500;

    public IdentityDocumentType DocumentType { get; set; } = IdentityDocumentType.IdentityCard;

    public string? DocumentNumber { get; set; }

    public string? IssuingCountry { get; set; } = "CZ";

    public DateTime? ValidUntil { get; set; }

    /// <summary>The photograph matches the person present.</summary>
    public bool PhotoMatches { get; set; }

    /// <summary>The document shows no sign of forgery or damage.</summary>
    public bool DocumentGenuine { get; set; }

    /// <summary>Name and date of birth (or personal number) agree with the request.</summary>
    public bool DataMatch { get; set; }

    public string? Note { get; set; }
}

/// <summary>The identity document as recorded: number upper case without spaces, country upper case.</summary>
public sealed record IdentityDocument(IdentityDocumentType Type, string Number, string IssuingCountry, DateOnly ValidUntil, string? Note);

/// <summary>Checks an <see cref="IdentityDocumentInput"/>; the errors name the input's properties and text keys.</summary>
public static partial class IdentityDocumentRules
{
    public const string DocumentNumberInvalid = "Validation.DocumentNumber";
    public const string CountryInvalid = "Validation.IssuingCountry";
    public const string DocumentExpired = "Validation.DocumentExpired";
    public const string CheckRequired = "Validation.CheckRequired";

    public const int NumberMinLength = 5;

    /// <summary>CLDR region codes that are no state issuing documents (groupings, unknown).</summary>
    private static readonly HashSet<string> NotStates = new(StringComparer.Ordinal) { "EU", "EZ", "UN", "QO", "ZZ", "AA" };

    /// <summary>The document, or the errors; <paramref name="today"/> is the calendar day in the portal's zone.</summary>
    public static (IdentityDocument? Document, IReadOnlyList<FieldError> Errors) Validate(IdentityDocumentInput input, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<FieldError>();
        if (!Enum.IsDefined(input.DocumentType))
        {
            errors.Add(new(nameof(IdentityDocumentInput.DocumentType), InputRules.Required));
        }

        var number = NormalizeNumber(input.DocumentNumber);
        if (number.Length == 0)
        {
            errors.Add(new(nameof(IdentityDocumentInput.DocumentNumber), InputRules.Required));
        }
        else if (!NumberPattern().IsMatch(number))
        {
            errors.Add(new(nameof(IdentityDocumentInput.DocumentNumber), DocumentNumberInvalid, NumberMinLength, Data.IdentityCheck.DocumentNumberMaxLength));
        }

        var country = input.IssuingCountry?.Trim().ToUpperInvariant() ?? "";
        if (country.Length == 0)
        {
            errors.Add(new(nameof(IdentityDocumentInput.IssuingCountry), InputRules.Required));
        }
        else if (!IsCountry(country))
        {
            errors.Add(new(nameof(IdentityDocumentInput.IssuingCountry), CountryInvalid));
        }

        DateOnly? validUntil = input.ValidUntil is { } until ? DateOnly.FromDateTime(until) : null;
        if (validUntil is null)
        {
            errors.Add(new(nameof(IdentityDocumentInput.ValidUntil), InputRules.Required));
        }
        else if (validUntil < today)
        {
            errors.Add(new(nameof(IdentityDocumentInput.ValidUntil), DocumentExpired));
        }

        foreach (var (field, done) in new[]
                 {
                     (nameof(IdentityDocumentInput.PhotoMatches), input.PhotoMatches),
                     (nameof(IdentityDocumentInput.DocumentGenuine), input.DocumentGenuine),
                     (nameof(IdentityDocumentInput.DataMatch), input.DataMatch),
                 })
        {
            if (!done)
            {
                errors.Add(new(field, CheckRequired));
            }
        }

        InputRules.OptionalText(errors, nameof(IdentityDocumentInput.Note), input.Note, IdentityDocumentInput.NoteMaxLength);
        return errors.Count > 0
            ? (null, errors)
            : (new IdentityDocument(input.DocumentType, number, country, validUntil!.Value, InputRules.Clean(input.Note)), errors);
    }

    /// <summary>Upper case, without spaces (as printed, numbers are often grouped).</summary>
    public static string NormalizeNumber(string? number) =>
        number is null ? "" : string.Concat(number.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();

    /// <summary>An ISO 3166-1 alpha-2 code of a state (or territory) the platform's region data knows.</summary>
    public static bool IsCountry(string code)
    {
        if (!CountryPattern().IsMatch(code) || NotStates.Contains(code))
        {
            return false;
        }

        try
        {
            return string.Equals(new RegionInfo(code).TwoLetterISORegionName, code, StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[A-Z0-9]{5,32}$")]
    private static partial Regex NumberPattern();

    [GeneratedRegex("^[A-Z]{2}$")]
    private static partial Regex CountryPattern();
}

using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Token;

/// <summary>
/// What the holder enters for a new request (seed guide: name, e-mail; the PINs come later, in the device's own dialog).
/// The name goes into the request's subject: it follows the applicant form's name rules (<see cref="InputRules"/>).
/// </summary>
public sealed class NewRequestForm
{
    public const int NameMaxLength = 64;
    public const int EmailMaxLength = 128;

    public KeyAlgorithm Algorithm { get; set; } = KeyAlgorithm.Rsa2048;

    public string CommonName { get; set; } = "";

    public string? Email { get; set; }

    public string? Country { get; set; } = "CZ";

    /// <summary>The prepared data the request is sent for (its number goes with it), or null for the holder's own.</summary>
    public long? PreparedRequestId { get; set; }

    /// <summary>
    /// The revocation password (revocation without signing in, e.g. of a lost device): generated unless the holder
    /// chooses one of at least <see cref="Revocation.RevocationPasswords.MinLength"/> characters. Only its hash is kept.
    /// </summary>
    public string RevocationPassword { get; set; } = Revocation.RevocationPasswords.Generate();

    public static IReadOnlyList<FieldError> RevocationPasswordProblems(string? password) =>
        Revocation.RevocationPasswords.Problems(nameof(RevocationPassword), password);

    public static IReadOnlyList<FieldError> NameProblems(string? name)
    {
        var errors = new List<FieldError>();
        InputRules.PersonName(errors, nameof(CommonName), name, NameMaxLength);
        return errors;
    }

    public static IReadOnlyList<FieldError> EmailProblems(string? email)
    {
        var errors = new List<FieldError>();
        InputRules.EmailAddress(errors, nameof(Email), email, EmailMaxLength, required: false);
        return errors;
    }

    public static IReadOnlyList<FieldError> CountryProblems(string? country) =>
        InputRules.Clean(country) is { } code && (code.Length != 2 || !code.All(char.IsAsciiLetter))
            ? [new FieldError(nameof(Country), "TokenCare.Request.CountryInvalid")]
            : [];

    public IReadOnlyList<FieldError> Problems() =>
        [.. NameProblems(CommonName), .. EmailProblems(Email), .. CountryProblems(Country), .. RevocationPasswordProblems(RevocationPassword)];

    /// <summary>The form as the request gets it: trimmed, empty optional values left out, the country in capitals.</summary>
    public NewRequestForm Cleaned() => new()
    {
        Algorithm = Algorithm,
        CommonName = CommonName.Trim(),
        Email = InputRules.Clean(Email),
        Country = InputRules.Clean(Country)?.ToUpperInvariant(),
        PreparedRequestId = PreparedRequestId,
        RevocationPassword = RevocationPassword,
    };
}

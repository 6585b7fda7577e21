using System.Net.Mail;
using System.Text.RegularExpressions;

namespace Qtsp.Portal.Features.Applicants;

/// <summary>
/// Checks of what people type, shared by every form: each failure is a <see cref="Infrastructure.FieldError"/> whose key
/// names a text in both languages. Names and free texts refuse markup characters outright (no "&lt;script&gt;" gets
/// stored, however it would be rendered).
/// </summary>
public static partial class InputRules
{
    public const string Required = "Validation.Required";
    public const string TooLong = "Validation.TooLong";
    public const string Markup = "Validation.Markup";
    public const string Name = "Validation.Name";
    public const string Email = "Validation.Email";
    public const string Phone = "Validation.Phone";
    public const string EmployeeNumber = "Validation.EmployeeNumber";
    public const string PersonalIdentifier = "Validation.PersonalIdentifier";
    public const string DateOfBirth = "Validation.DateOfBirth";
    public const string ControlCharacters = "Validation.ControlCharacters";

    /// <summary>Trims; null for empty.</summary>
    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    public static void RequiredText(List<Infrastructure.FieldError> errors, string field, string? value, int maxLength)
    {
        if (Clean(value) is null)
        {
            errors.Add(new(field, Required));
            return;
        }

        OptionalText(errors, field, value, maxLength);
    }

    /// <summary>A free text (a reason, a ticket reference): length, no control characters, no markup.</summary>
    public static void OptionalText(List<Infrastructure.FieldError> errors, string field, string? value, int maxLength)
    {
        var clean = Clean(value);
        if (clean is null)
        {
            return;
        }

        if (clean.Length > maxLength)
        {
            errors.Add(new(field, TooLong, maxLength));
        }
        else if (clean.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t'))
        {
            errors.Add(new(field, ControlCharacters));
        }
        else if (clean.AsSpan().IndexOfAny('<', '>') >= 0)
        {
            errors.Add(new(field, Markup));
        }
    }

    public static void PersonName(List<Infrastructure.FieldError> errors, string field, string? value, int maxLength)
    {
        var before = errors.Count;
        RequiredText(errors, field, value, maxLength);
        if (errors.Count == before && !NamePattern().IsMatch(Clean(value)!))
        {
            errors.Add(new(field, Name));
        }
    }

    public static void EmailAddress(List<Infrastructure.FieldError> errors, string field, string? value, int maxLength, bool required = true)
    {
        var clean = Clean(value);
        if (clean is null)
        {
            if (required)
            {
                errors.Add(new(field, Required));
            }

            return;
        }

        if (clean.Length > maxLength)
        {
            errors.Add(new(field, TooLong, maxLength));
        }
        else if (!IsEmail(clean))
        {
            errors.Add(new(field, Email));
        }
    }

    public static bool IsEmail(string value) =>
        EmailPattern().IsMatch(value) && MailAddress.TryCreate(value, out var address) && address.Address == value && address.DisplayName.Length == 0;

    public static void PhoneNumber(List<Infrastructure.FieldError> errors, string field, string? value, int maxLength)
    {
        var clean = Clean(value);
        if (clean is null)
        {
            return;
        }

        if (clean.Length > maxLength)
        {
            errors.Add(new(field, TooLong, maxLength));
        }
        else if (!PhonePattern().IsMatch(clean))
        {
            errors.Add(new(field, Phone));
        }
    }

    /// <summary>Letters of any script, spaces, hyphens, apostrophes and dots, starting with a letter.</summary>
    [GeneratedRegex(@"^\p{L}[\p{L}\p{M} .'’-]*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[^@\s<>""(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^\+?[0-9](?:[ ]?[0-9]){8,19}$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"^[A-Z0-9][A-Z0-9/._-]*$")]
    public static partial Regex EmployeeNumberPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9/ .-]*$")]
    public static partial Regex PersonalIdentifierPattern();
}

namespace Qtsp.Portal.Data;

/// <summary>
/// A person certificates are issued to ("žadatel"), as the CA records them: an employee of an organisation or a
/// private individual.
/// </summary>
public sealed class Applicant
{
    public const int NameMaxLength = 100;
    public const int EmailMaxLength = 254;
    public const int PhoneMaxLength = 32;
    public const int EmployeeNumberMaxLength = 32;
    public const int PersonalIdentifierMaxLength = 64;
    public const int ReasonMaxLength = 500;

    public long Id { get; set; }

    /// <summary>The employing organisation; null for a private individual.</summary>
    public long? OrganisationId { get; set; }

    public Organisation? Organisation { get; set; }

    public required string FirstName { get; set; }

    public required string LastName { get; set; }

    public required string Email { get; set; }

    public string? Phone { get; set; }

    /// <summary>
    /// An address support staff entered for the applicant in a support session: nothing is sent to it, and
    /// <see cref="Email"/> stays as it was, until the customer confirms it signed in themselves.
    /// </summary>
    public string? PendingEmail { get; set; }

    /// <summary>The support session <see cref="PendingEmail"/> was entered in.</summary>
    public long? PendingEmailSupportSessionId { get; set; }

    /// <summary>
    /// The support session the applicant was registered in, with <see cref="Email"/> as staff entered it, until the
    /// customer confirms the address.
    /// </summary>
    public long? EmailEnteredInSupportSessionId { get; set; }

    /// <summary>The address on record was entered by support staff and the customer has not confirmed it yet.</summary>
    public bool EmailUnconfirmed => EmailEnteredInSupportSessionId is not null;

    /// <summary>The organisation's employee number, upper case; unique within the organisation.</summary>
    public string? EmployeeNumber { get; set; }

    public DateOnly? DateOfBirth { get; set; }

    /// <summary>A personal identifier as the CA records it (e.g. the birth number), when the date of birth is not used.</summary>
    public string? PersonalIdentifier { get; set; }

    /// <summary>A blocked applicant cannot get new certificates.</summary>
    public bool IsBlocked { get; set; }

    public DateTime? BlockedAtUtc { get; set; }

    public string? BlockedReason { get; set; }

    /// <summary>Whether this applicant may get certificates valid for more than one year (the organisation must allow it too).</summary>
    public bool MultiYearAllowed { get; set; }

    /// <summary>"last first", lower case without diacritics: what a name-prefix search compares with.</summary>
    public string SearchName { get; set; } = "";

    /// <summary>"first last", lower case without diacritics.</summary>
    public string SearchNameReversed { get; set; } = "";

    public DateTime CreatedAtUtc { get; set; }

    public DateTime UpdatedAtUtc { get; set; }

    /// <summary>Incremented on every change; two people editing the same applicant cannot overwrite each other.</summary>
    public int Revision { get; set; }

    public string DisplayName => $"{FirstName} {LastName}";

    /// <summary>Recomputes the search keys from the names.</summary>
    public void UpdateSearchKeys()
    {
        SearchName = SearchText.Normalize($"{LastName} {FirstName}");
        SearchNameReversed = SearchText.Normalize($"{FirstName} {LastName}");
    }
}

using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Applicants;

/// <summary>An applicant's data as a representative enters them (the register and change forms).</summary>
public sealed class ApplicantInput
{
    public string? FirstName { get; set; }

    public string? LastName { get; set; }

    public string? Email { get; set; }

    public string? Phone { get; set; }

    public string? EmployeeNumber { get; set; }

    public DateOnly? DateOfBirth { get; set; }

    public string? PersonalIdentifier { get; set; }

    public bool MultiYearAllowed { get; set; }

    public static ApplicantInput From(Applicant applicant) => new()
    {
        FirstName = applicant.FirstName,
        LastName = applicant.LastName,
        Email = applicant.Email,
        Phone = applicant.Phone,
        EmployeeNumber = applicant.EmployeeNumber,
        DateOfBirth = applicant.DateOfBirth,
        PersonalIdentifier = applicant.PersonalIdentifier,
        MultiYearAllowed = applicant.MultiYearAllowed,
    };
}

/// <summary>"New data for issuing a certificate to a registered applicant".</summary>
public sealed class IssuanceInput
{
    public CertificateType Type { get; set; } = CertificateType.Qualified;

    public string? SubjectName { get; set; }

    public string? Email { get; set; }

    public string? Phone { get; set; }

    public int ValidityMonths { get; set; } = 12;

    /// <summary>The secure device (by id) the certificate is meant for; one of the applicant's bound devices, or none yet.</summary>
    public long? DeviceId { get; set; }
}

/// <summary>How the applicant list is searched: by name, employee number and secure device number at once (the default), or by one of them.</summary>
public enum ApplicantSearchField
{
    All,
    Name,
    EmployeeNumber,
    DeviceSerial,
}

public enum ApplicantSort
{
    Name,
    EmployeeNumber,
    Email,
    Registered,
}

public sealed record ApplicantQuery(
    string? Search = null,
    ApplicantSearchField SearchBy = ApplicantSearchField.All,
    bool? Blocked = null,
    ApplicantSort Sort = ApplicantSort.Name,
    bool Descending = false,
    int Skip = 0,
    int Take = 20)
{
    public const int MaxTake = 100;
    public const int MaxSearchLength = 100;
}

public sealed record ApplicantRow(
    long Id,
    string FirstName,
    string LastName,
    string Email,
    string? EmployeeNumber,
    bool IsBlocked,
    string? OrganisationName,
    IReadOnlyList<string> DeviceSerials)
{
    public string DisplayName => $"{FirstName} {LastName}";
}

public sealed record ApplicantSearchResult(IReadOnlyList<ApplicantRow> Items, int Total);

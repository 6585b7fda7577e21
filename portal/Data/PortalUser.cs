using Microsoft.AspNetCore.Identity;

namespace Qtsp.Portal.Data;

/// <summary>A sign-in account. A holder's account links to its applicant record, a representative's to its organisation.</summary>
public sealed class PortalUser : IdentityUser
{
    public const int DisplayNameMaxLength = 200;

    public string DisplayName { get; set; } = "";

    public long? OrganisationId { get; set; }

    public Organisation? Organisation { get; set; }

    public long? ApplicantId { get; set; }

    public Applicant? Applicant { get; set; }

    public DateTime CreatedAtUtc { get; set; }
}

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Who is acting, as the service layer sees it: the signed-in account, or — in a support session — the customer the
/// staff member acts as (<see cref="Support"/> names the staff member). Data access follows the effective account;
/// the audit trail records both.
/// </summary>
public sealed record Actor(
    string UserId,
    string UserName,
    string DisplayName,
    IReadOnlySet<string> Roles,
    long? OrganisationId,
    string? OrganisationName,
    string? ContractNumber,
    long? ApplicantId,
    SupportContext? Support = null)
{
    public bool IsInRole(string role) => Roles.Contains(role);

    /// <summary>The person who acts: the staff member in a support session.</summary>
    public string AuditActor => Support?.StaffUserName ?? UserName;

    /// <summary>The customer acted for in a support session.</summary>
    public string? AuditOnBehalfOf => Support is null ? null : UserName;

    public bool IsRepresentative => IsInRole(PortalRoles.CompanyRepresentative) && OrganisationId is not null;

    public bool IsHolder => IsInRole(PortalRoles.Holder) && ApplicantId is not null;

    /// <summary>Staff tools (customer search, support sessions) — only outside a support session.</summary>
    public bool IsSupportStaff => Support is null && IsInRole(PortalRoles.Support);

    public bool IsAdmin => Support is null && IsInRole(PortalRoles.Admin);
}

/// <summary>The support session an <see cref="Actor"/> acts in.</summary>
public sealed record SupportContext(
    long SessionId,
    string StaffUserId,
    string StaffUserName,
    string StaffDisplayName,
    string Reason,
    DateTime ExpiresAtUtc,
    bool MayElevate);

using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Who may see which customer data, as query filters every service applies (authorisation by data, not only by role):
/// a representative sees its organisation's applicants and what belongs to them, a holder only their own records, RA
/// operators and administrators everything; support staff see customer data only inside a support session, and then
/// exactly what the customer sees.
/// </summary>
public static class DataScope
{
    public static IQueryable<Applicant> VisibleTo(this IQueryable<Applicant> applicants, Actor actor) =>
        SeesEveryCustomer(actor) ? applicants : Owned(applicants, actor);

    /// <summary>RA operators and administrators outside a support session: every organisation's and every holder's data.</summary>
    public static bool SeesEveryCustomer(Actor actor) =>
        actor.Support is null && (actor.IsInRole(PortalRoles.Admin) || actor.IsInRole(PortalRoles.RaOperator));

    /// <summary>Applicants whose data, blocking and issuance data the actor may change: a representative's organisation's (or any, for an administrator).</summary>
    public static IQueryable<Applicant> ManageableBy(this IQueryable<Applicant> applicants, Actor actor)
    {
        if (actor.IsAdmin)
        {
            return applicants;
        }

        return actor.IsRepresentative && actor.OrganisationId is long organisation
            ? applicants.Where(a => a.OrganisationId == organisation)
            : applicants.Where(a => false);
    }

    public static IQueryable<Certificate> VisibleTo(this IQueryable<Certificate> certificates, IQueryable<Applicant> applicants, Actor actor)
    {
        var visible = applicants.VisibleTo(actor);
        return certificates.Where(c => visible.Any(a => a.Id == c.ApplicantId));
    }

    /// <summary>Certificates the actor may revoke: the holder's own, a representative's organisation's applicants'.</summary>
    public static IQueryable<Certificate> RevocableBy(this IQueryable<Certificate> certificates, IQueryable<Applicant> applicants, Actor actor)
    {
        if (actor.IsAdmin)
        {
            return certificates;
        }

        var mine = Owned(applicants, actor);
        return certificates.Where(c => mine.Any(a => a.Id == c.ApplicantId));
    }

    public static IQueryable<CertificateRequest> VisibleTo(this IQueryable<CertificateRequest> requests, IQueryable<Applicant> applicants, Actor actor)
    {
        var visible = applicants.VisibleTo(actor);
        return requests.Where(r => visible.Any(a => a.Id == r.ApplicantId));
    }

    public static IQueryable<DeviceBinding> VisibleTo(this IQueryable<DeviceBinding> bindings, IQueryable<Applicant> applicants, Actor actor)
    {
        var visible = applicants.VisibleTo(actor);
        return bindings.Where(b => visible.Any(a => a.Id == b.ApplicantId));
    }

    /// <summary>
    /// Bindings the actor may cancel by the portal's form: a representative's organisation's applicants'. A holder cancels
    /// their own binding only with a request signed on the token (<c>SignedBindingCancellation</c>), never with the session alone.
    /// </summary>
    public static IQueryable<DeviceBinding> CancellableBy(this IQueryable<DeviceBinding> bindings, IQueryable<Applicant> applicants, Actor actor)
    {
        if (actor.IsAdmin)
        {
            return bindings;
        }

        if (!actor.IsRepresentative || actor.OrganisationId is not { } organisation)
        {
            return bindings.Where(b => false);
        }

        return bindings.Where(b => applicants.Any(a => a.Id == b.ApplicantId && a.OrganisationId == organisation));
    }

    /// <summary>The representative's organisation's applicants and the holder's own record.</summary>
    private static IQueryable<Applicant> Owned(IQueryable<Applicant> applicants, Actor actor) =>
        // Each case compares with concrete values only: a missing organisation must never match the private applicants.
        (actor.IsRepresentative ? actor.OrganisationId : null, actor.IsHolder ? actor.ApplicantId : null) switch
        {
            (long organisation, long own) => applicants.Where(a => a.OrganisationId == organisation || a.Id == own),
            (long organisation, null) => applicants.Where(a => a.OrganisationId == organisation),
            (null, long own) => applicants.Where(a => a.Id == own),
            _ => applicants.Where(a => false),
        };
}

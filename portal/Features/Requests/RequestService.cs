using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Requests;

/// <summary>The certificate requests an account may see (its own, or its organisation's applicants').</summary>
public sealed class RequestService(DataAccess data, CurrentActor current, AuditTrail audit, TimeProvider time)
{
    public const int MaxListed = 500;

    public async Task<IReadOnlyList<RequestListItem>> ListAsync()
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        return await data.RunAsync<IReadOnlyList<RequestListItem>>(async db => await db.CertificateRequests.AsNoTracking()
            .VisibleTo(db.Applicants, actor)
            .OrderByDescending(r => r.CreatedAtUtc).ThenByDescending(r => r.Id)
            .Take(MaxListed)
            .Select(r => new RequestListItem(
                new RequestSummary(r.Id, r.RequestNumber, r.Type, r.Kind, r.Status, r.SubjectName, r.ValidityMonths, r.CreatedAtUtc, r.Device == null ? null : r.Device.SerialNumber),
                r.ApplicantId, r.Applicant.FirstName + " " + r.Applicant.LastName))
            .ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>One request for its printable summary, to an account that may see it (anyone else is refused, audited).</summary>
    public async Task<RequestListItem> GetAsync(long id)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var found = await data.RunAsync(db => db.CertificateRequests.AsNoTracking()
            .VisibleTo(db.Applicants, actor)
            .Where(r => r.Id == id)
            .Select(r => new RequestListItem(
                new RequestSummary(r.Id, r.RequestNumber, r.Type, r.Kind, r.Status, r.SubjectName, r.ValidityMonths, r.CreatedAtUtc, r.Device == null ? null : r.Device.SerialNumber),
                r.ApplicantId, r.Applicant.FirstName + " " + r.Applicant.LastName))
            .SingleOrDefaultAsync()).ConfigureAwait(false);
        return found ?? throw await audit.RefuseAsync(actor, AuditSubjects.Request(id), "view").ConfigureAwait(false);
    }

    /// <summary>The data for issuing a representative prepared for the signed-in holder, waiting to be sent from a device.</summary>
    public async Task<IReadOnlyList<PreparedRequest>> PreparedForHolderAsync(Data.CertificateType type)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (actor.ApplicantId is not { } applicantId || actor.Support is not null)
        {
            return [];
        }

        return await data.RunAsync<IReadOnlyList<PreparedRequest>>(async db => await db.CertificateRequests.AsNoTracking()
            .Where(r => r.ApplicantId == applicantId && r.Status == Data.RequestStatus.Prepared && r.Type == type)
            .OrderBy(r => r.CreatedAtUtc)
            .Select(r => new PreparedRequest(r.Id, r.RequestNumber, r.SubjectName, r.Email, r.ValidityMonths))
            .ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The keys of the signed-in holder's requests that wait for a certificate on the device (see <see cref="PendingKeys"/>).</summary>
    public async Task<PendingKeys> PendingKeysAsync()
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (actor.ApplicantId is not { } applicantId)
        {
            return PendingKeys.None;
        }

        // Issued counts too until the certificate is on the device (its key must not look like a leftover to clean up);
        // once it is there, the device itself shows the key as certified.
        var now = time.GetUtcNow().UtcDateTime;
        var pending = await data.RunAsync(db => db.CertificateRequests.AsNoTracking()
            .Where(r => r.ApplicantId == applicantId && r.KeyIdHex != null && r.Device != null
                && (r.Status == Data.RequestStatus.Submitted || r.Status == Data.RequestStatus.Verified
                    || (r.Status == Data.RequestStatus.Issued && r.Certificate != null && r.Certificate.Status == Data.CertificateStatus.Issued && r.Certificate.NotAfterUtc > now)))
            .Select(r => new { Serial = r.Device!.SerialNumber, r.KeyIdHex, r.RequestNumber })
            .ToListAsync()).ConfigureAwait(false);
        return new PendingKeys(pending.Select(p => (p.Serial, p.KeyIdHex!, p.RequestNumber)));
    }
}

/// <summary>Data for issuing prepared by a representative: the request made on the device carries its number.</summary>
public sealed record PreparedRequest(long Id, string RequestNumber, string SubjectName, string Email, int ValidityMonths);

public sealed record RequestListItem(RequestSummary Request, long ApplicantId, string ApplicantName);

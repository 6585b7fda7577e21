using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;

namespace Qtsp.Portal.Features.RenewalCodes;

/// <summary>
/// Spends a renewal code inside the transaction that records the certificate it pays for: one conditional update
/// (<c>… SET RedeemedAtUtc = now WHERE Id = code AND RedeemedAtUtc IS NULL</c>) decides between two redemptions of the same
/// code, and a refused or failed issuance releases it again (or rolls it back with the transaction), so a code is never
/// burnt without a certificate.
/// </summary>
public static class RenewalCodeClaim
{
    /// <summary>The application, its code now spent for it; null when the application is not this holder's open one or the code is spent or expired.</summary>
    public static async Task<RenewalApplication?> ClaimAsync(PortalDbContext db, long applicationId, long applicantId, Actor actor, DateTime now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var application = await db.RenewalApplications.SingleOrDefaultAsync(a => a.Id == applicationId && a.ApplicantId == applicantId && a.CertificateId == null,
            cancellationToken).ConfigureAwait(false);
        if (application is null)
        {
            return null;
        }

        var expires = await db.RenewalCodes.Where(c => c.Id == application.RenewalCodeId).Select(c => c.Batch.ExpiresAtUtc).SingleAsync(cancellationToken).ConfigureAwait(false);
        if (expires <= now)
        {
            return null;
        }

        var claimed = await db.RenewalCodes.Where(c => c.Id == application.RenewalCodeId && c.RedeemedAtUtc == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.RedeemedAtUtc, now).SetProperty(c => c.RedeemedBy, actor.AuditActor).SetProperty(c => c.ApplicationId, application.Id),
                cancellationToken).ConfigureAwait(false);
        return claimed == 1 ? application : null;
    }

    /// <summary>Gives the code back after the issuance it was claimed for was refused (saved with the refusal).</summary>
    public static Task ReleaseAsync(PortalDbContext db, long applicationId) =>
        db.RenewalCodes.Where(c => c.ApplicationId == applicationId && c.CertificateId == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.RedeemedAtUtc, (DateTime?)null).SetProperty(c => c.RedeemedBy, (string?)null)
                .SetProperty(c => c.ApplicationId, (long?)null));

    /// <summary>Records the certificate on the code and the application and audits the redemption (saved with the certificate).</summary>
    public static async Task CompleteAsync(PortalDbContext db, AuditTrail audit, RenewalApplication application, long certificateId, string serialNumber, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(application);
        application.CertificateId = certificateId;
        var code = await db.RenewalCodes.Include(c => c.Batch).SingleAsync(c => c.Id == application.RenewalCodeId).ConfigureAwait(false);
        code.CertificateId = certificateId;
        audit.Add(db, actor, AuditActions.RenewalCodeRedeemed, AuditSubjects.RenewalCodeBatch(code.BatchId), new
        {
            batch = code.Batch.Reference, code = code.Id, application = application.Reference, certificate = certificateId, serial = serialNumber,
            renews = application.RenewsCertificateId, term = application.TermMonths, medium = application.Medium.ToString(), notBefore = application.NotBeforeUtc,
        });
    }

    /// <summary>The new certificate's notBefore: now, or the renewed certificate's end when that is still ahead.</summary>
    public static DateTimeOffset NotBefore(RenewalApplication application, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(application);
        var start = new DateTimeOffset(DateTime.SpecifyKind(application.NotBeforeUtc, DateTimeKind.Utc));
        return application.StartsAfterCurrent && start > now ? start : now;
    }
}

using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Infrastructure.Observability;
using static Qtsp.Portal.Infrastructure.Mail.MailTexts;

namespace Qtsp.Portal.Features.Revocation;

/// <summary>
/// The one place a revocation is written, whoever asked for it: the certificate is revoked once (a second request changes
/// nothing and tells nobody), with the audit event (both identities and the source address) and the holder's e-mail in
/// the same transaction; after the commit the CA is told to publish (<see cref="IRevocationPublisher"/>).
/// </summary>
public sealed class RevocationRecord(DataAccess data, AuditTrail audit, MailOutbox outbox, PortalTime portalTime, IRevocationPublisher publisher, TimeProvider time)
{
    /// <summary>How the revocation was confirmed, as the audit trail names it.</summary>
    public const string ViaAccount = "account";
    public const string ViaRevocationPassword = "revocation-password";
    public const string ViaSignedRequest = "signed-request";

    /// <summary>True when this call revoked it; false when it was revoked already.</summary>
    /// <param name="systemActor">For a revocation by the CA itself (a job): its name, in place of a person.</param>
    /// <param name="notice">The holder's e-mail when the general one does not say why (the job's reasons).</param>
    public async Task<bool> RevokeAsync(Actor? actor, long certificateId, RevocationReason reason, DateTime? invalidityDateUtc, string via,
        string? systemActor = null, Func<Certificate, (MailText Subject, MailText Body)>? notice = null)
    {
        using var activity = PortalTelemetry.Source.StartActivity("ca.revoke");
        activity?.SetTag("qtsp.ca.revocation.reason", reason.ToString());
        var issuer = await data.RunInTransactionAsync(db => WriteAsync(db, actor, certificateId, reason, invalidityDateUtc, via, systemActor, notice)).ConfigureAwait(false);
        if (issuer is null)
        {
            return false;
        }

        CaMetrics.CertificateRevoked(reason.ToString());
        publisher.Revoked(issuer);
        return true;
    }

    /// <summary>
    /// Writes the revocation inside the caller's transaction (a revocation that belongs to a larger change, like a signed
    /// binding cancellation); the caller saves, commits and then calls <see cref="Published"/> with the issuers returned.
    /// Null when the certificate was revoked already.
    /// </summary>
    public async Task<string?> WriteAsync(PortalDbContext db, Actor? actor, long certificateId, RevocationReason reason, DateTime? invalidityDateUtc, string via,
        string? systemActor = null, Func<Certificate, (MailText Subject, MailText Body)>? notice = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow().UtcDateTime;
        var revokedBy = systemActor ?? actor?.AuditActor ?? AuditTrail.Anonymous;
        var certificate = await db.Certificates.AsNoTracking().Include(c => c.Applicant).SingleAsync(c => c.Id == certificateId).ConfigureAwait(false);
        if (certificate.Status == CertificateStatus.Revoked)
        {
            return null;
        }

        // The conditional update decides: of two revocations at the same moment only one changes the row.
        var changed = await db.Certificates.Where(c => c.Id == certificateId && c.Status == CertificateStatus.Issued)
            .ExecuteUpdateAsync(c => c
                .SetProperty(x => x.Status, CertificateStatus.Revoked)
                .SetProperty(x => x.RevokedAtUtc, now)
                .SetProperty(x => x.RevokedBy, revokedBy.Length <= 256 ? revokedBy : revokedBy[..256])
                .SetProperty(x => x.RevocationReason, reason)
                .SetProperty(x => x.InvalidityDateUtc, invalidityDateUtc)).ConfigureAwait(false);
        if (changed != 1)
        {
            return null;
        }

        var details = new
        {
            certificate = certificate.Id,
            certificate.SerialNumber,
            reason = reason.ToString(),
            code = (int)reason,
            invalidityDateUtc,
            via,
        };
        if (systemActor is null)
        {
            audit.Add(db, actor, AuditActions.CertificateRevoked, AuditSubjects.Applicant(certificate.ApplicantId), details);
        }
        else
        {
            audit.Add(db, systemActor, AuditActions.CertificateRevoked, AuditSubjects.Applicant(certificate.ApplicantId), details);
        }

        var (subject, body) = notice?.Invoke(certificate)
            ?? (L["Mail.CertificateRevoked.Subject", certificate.SerialNumber], L["Mail.CertificateRevoked.Body", certificate.Subject, certificate.SerialNumber, portalTime.Stamp(now)]);
        outbox.Enqueue(db, systemActor is null ? "certificate.revoked" : $"certificate.revoked.{via}", certificate.Applicant.Email, subject, body);
        await db.SaveChangesAsync().ConfigureAwait(false);
        return certificate.Issuer;
    }

    /// <summary>After the commit of <see cref="WriteAsync"/>s: the CA publishes the new status of each issuer.</summary>
    /// <param name="reason">The reason the revocations were written with, for the metrics (one per revoked certificate).</param>
    public void Published(IReadOnlyCollection<string?> issuers, RevocationReason reason)
    {
        ArgumentNullException.ThrowIfNull(issuers);
        foreach (var _ in issuers.OfType<string>())
        {
            CaMetrics.CertificateRevoked(reason.ToString());
        }

        foreach (var issuer in issuers.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            publisher.Revoked(issuer);
        }
    }
}

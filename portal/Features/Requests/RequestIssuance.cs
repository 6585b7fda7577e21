using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;

namespace Qtsp.Portal.Features.Requests;

/// <summary>Why a request was not issued.</summary>
public enum IssuanceRefusal
{
    NotFound,

    /// <summary>Not in the state that allows issuing (an initial request before its identity check, one issued or rejected already).</summary>
    NotReady,

    ApplicantBlocked,

    /// <summary>The device is bound to another person now.</summary>
    DeviceBoundToSomeoneElse,

    /// <summary>The device was returned, lost, or lost its service key since the request was made.</summary>
    DeviceNotUsable,

    /// <summary>The subject has no semantics identifier (personal number or identity document) for the serialNumber.</summary>
    NoSubjectIdentifier,

    /// <summary>The CA refused (see <see cref="RequestIssuanceOutcome.CaReason"/>).</summary>
    CaRefused,

    /// <summary>The renewal code paying for it was spent meanwhile (another redemption won), or its batch expired.</summary>
    RenewalCodeNotUsable,
}

public sealed record RequestIssued(long CertificateId, string SerialNumber, string RequestNumber, bool BindingCreated);

public sealed record RequestIssuanceOutcome(RequestIssued? Issued, IssuanceRefusal? Refusal, IssuanceRefusalReason? CaReason = null);

/// <summary>
/// Turns a request the CA may issue (an initial one after the identity check, a subsequent one after its checks) into a
/// certificate: the request is claimed in the transaction that records the certificate, so two operators approving at
/// once issue one certificate; the CA is told only what the portal verified (the key's device, QSCD status at
/// issuance); the person–device binding is created at the first issuance into a device; holder mailed, all audited.
/// </summary>
public sealed class RequestIssuance(DataAccess data, ICertificateAuthority authority, AuditTrail audit, MailOutbox outbox, TimeProvider time)
{
    public async Task<RequestIssuanceOutcome> IssueAsync(long requestId, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await data.RunInTransactionAsync(async db =>
        {
            var request = await db.CertificateRequests.Include(r => r.Applicant).ThenInclude(a => a.Organisation).Include(r => r.Device)
                .SingleOrDefaultAsync(r => r.Id == requestId, cancellationToken).ConfigureAwait(false);
            if (request is null)
            {
                return new RequestIssuanceOutcome(null, IssuanceRefusal.NotFound);
            }

            var ready = request.Kind == RequestKind.Initial ? RequestStatus.Verified : RequestStatus.Submitted;
            // The claim: whoever changes the status first issues; a second approval finds nothing to claim.
            var claimed = await db.CertificateRequests.Where(r => r.Id == requestId && r.Status == ready && r.Csr != null)
                .ExecuteUpdateAsync(set => set.SetProperty(r => r.Status, RequestStatus.Issued), cancellationToken).ConfigureAwait(false);
            if (claimed == 0)
            {
                return new RequestIssuanceOutcome(null, IssuanceRefusal.NotReady);
            }

            var now = time.GetUtcNow();
            if (await RefusalAsync(db, request, now, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                return await RefuseAsync(db, request, ready, actor, refusal, null).ConfigureAwait(false);
            }

            // A renewal paid with a code spends it here, in the transaction that records the certificate.
            RenewalApplication? paid = null;
            if (request.RenewalApplicationId is { } applicationId)
            {
                paid = await RenewalCodes.RenewalCodeClaim.ClaimAsync(db, applicationId, request.ApplicantId, actor, now.UtcDateTime, cancellationToken).ConfigureAwait(false);
                if (paid is null)
                {
                    return await RefuseAsync(db, request, ready, actor, IssuanceRefusal.RenewalCodeNotUsable, null).ConfigureAwait(false);
                }
            }

            var csr = System.Security.Cryptography.X509Certificates.CertificateRequest.LoadSigningRequest(request.Csr!, HashAlgorithmName.SHA256,
                CertificateRequestLoadOptions.SkipSignatureValidation);
            var subject = IssuanceSubjects.For(request.Applicant, request.SubjectSerialNumber, request.Email);
            var facts = new VerifiedKeyFacts(
                KeyOnQscd: request.Device!.QscdEndedAtUtc is null && request.Device.QscdCertifiedUntil is { } until && until >= DateOnly.FromDateTime(now.UtcDateTime)
                    && request.Device.ServiceKeyPublicKey is not null,
                KeyOnSecureDevice: true,
                FromPkcs12Import: false);
            // A code bought its term; it may start when the renewed certificate ends.
            var notBefore = paid is null ? now : RenewalCodes.RenewalCodeClaim.NotBefore(paid, now);
            var months = paid?.TermMonths ?? ValidityMonths(request);
            var result = await authority.IssueAsync(new IssuanceRequest(
                csr.PublicKey.ExportSubjectPublicKeyInfo(), subject,
                request.Type == CertificateType.Commercial ? CertificateProfile.Commercial : CertificateProfile.QualifiedNaturalPerson,
                notBefore, notBefore.AddMonths(months), facts), cancellationToken).ConfigureAwait(false);
            if (result is IssuanceRefused refused)
            {
                return await RefuseAsync(db, request, ready, actor, IssuanceRefusal.CaRefused, refused.Reason).ConfigureAwait(false);
            }

            var issued = (IssuedCertificate)result;
            using var parsed = X509CertificateLoader.LoadCertificate(issued.Der);
            var certificate = Certificate.FromIssued(parsed, request.Type);
            certificate.ApplicantId = request.ApplicantId;
            certificate.DeviceId = request.DeviceId;
            certificate.KeyIdHex = request.KeyIdHex;
            certificate.RevocationPasswordHash = request.RevocationPasswordHash;
            db.Certificates.Add(certificate);
            request.Status = RequestStatus.Issued;
            request.Certificate = certificate;
            request.DecidedAtUtc ??= now.UtcDateTime;
            request.DecidedBy ??= actor.AuditActor;

            var bindingCreated = false;
            if (!await db.DeviceBindings.AnyAsync(b => b.DeviceId == request.DeviceId && b.CancelledAtUtc == null, cancellationToken).ConfigureAwait(false))
            {
                db.DeviceBindings.Add(new DeviceBinding { DeviceId = request.DeviceId!.Value, ApplicantId = request.ApplicantId, CreatedAtUtc = now.UtcDateTime, CreatedBy = "ca" });
                bindingCreated = true;
            }

            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            if (paid is not null)
            {
                await RenewalCodes.RenewalCodeClaim.CompleteAsync(db, audit, paid, certificate.Id, certificate.SerialNumber, actor).ConfigureAwait(false);
            }

            audit.Add(db, actor, AuditActions.CertificateIssued, AuditSubjects.Certificate(certificate.Id), new
            {
                request.RequestNumber, serial = certificate.SerialNumber, ca = issued.CaName, type = request.Type.ToString(),
                device = request.Device.SerialNumber, qscd = facts.KeyOnQscd, bindingCreated,
            });
            outbox.Enqueue(db, "certificate.issued", request.Email,
                MailTexts.L["Mail.CertificateIssued.Subject", request.RequestNumber],
                MailTexts.L["Mail.CertificateIssued.Body", request.SubjectName, request.RequestNumber, certificate.SerialNumber, request.Device.SerialNumber]);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return new RequestIssuanceOutcome(new RequestIssued(certificate.Id, certificate.SerialNumber, request.RequestNumber, bindingCreated), null);
        }).ConfigureAwait(false);
    }

    /// <summary>Months of validity: more than one year only when both the organisation and the applicant allow it.</summary>
    private static int ValidityMonths(Data.CertificateRequest request)
    {
        var multiYear = request.Applicant.MultiYearAllowed && (request.Applicant.Organisation?.MultiYearAllowed ?? true);
        return Math.Clamp(request.ValidityMonths, 1, multiYear ? 36 : 12);
    }

    private static async Task<IssuanceRefusal?> RefusalAsync(PortalDbContext db, Data.CertificateRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (request.Applicant.IsBlocked)
        {
            return IssuanceRefusal.ApplicantBlocked;
        }

        if (request.Device is not { Status: DeviceStatus.Active })
        {
            return IssuanceRefusal.DeviceNotUsable;
        }

        if (await db.DeviceBindings.AnyAsync(b => b.DeviceId == request.DeviceId && b.CancelledAtUtc == null && b.ApplicantId != request.ApplicantId, cancellationToken)
                .ConfigureAwait(false))
        {
            return IssuanceRefusal.DeviceBoundToSomeoneElse;
        }

        return request.Type != CertificateType.Commercial && IssuanceSubjects.SerialNumberFor(request.Applicant, request.SubjectSerialNumber) is null
            ? IssuanceRefusal.NoSubjectIdentifier
            : null;
    }

    /// <summary>The claim is undone (the request waits as before) and the refusal audited.</summary>
    private async Task<RequestIssuanceOutcome> RefuseAsync(PortalDbContext db, Data.CertificateRequest request, RequestStatus waiting, Actor actor,
        IssuanceRefusal refusal, IssuanceRefusalReason? caReason)
    {
        await db.CertificateRequests.Where(r => r.Id == request.Id).ExecuteUpdateAsync(set => set.SetProperty(r => r.Status, waiting)).ConfigureAwait(false);
        if (request.RenewalApplicationId is { } applicationId)
        {
            await RenewalCodes.RenewalCodeClaim.ReleaseAsync(db, applicationId).ConfigureAwait(false);
        }

        audit.Add(db, actor, AuditActions.IssuanceRefused, AuditSubjects.Request(request.Id), new
        {
            request.RequestNumber, reason = refusal.ToString(), ca = caReason?.ToString(),
        });
        await db.SaveChangesAsync().ConfigureAwait(false);
        return new RequestIssuanceOutcome(null, refusal, caReason);
    }
}

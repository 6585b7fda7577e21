using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Requests;

/// <summary>A request made on a device, with what the portal knows about it: the nonce it issued and when.</summary>
/// <param name="RenewsCertificateId">A subsequent request: the certificate it renews (its key signed the attestation statement).</param>
/// <param name="PreparedRequestId">The request whose data a representative prepared, which this one sends from the device.</param>
/// <param name="RevocationPassword">The revocation password the holder chose or was given: hashed here, never stored.</param>
public sealed record DeviceRequest(KeyRequestCreated Created, byte[] Nonce, DateTimeOffset NonceIssuedAt, AreaKind Area,
    long? RenewsCertificateId = null, long? PreparedRequestId = null, string? RevocationPassword = null, long? RenewalApplicationId = null)
{
    /// <summary>Never the revocation password in logs.</summary>
    public override string ToString() => $"DeviceRequest {{ Device = {Created.DeviceSerial}, Area = {Area}, Renews = {RenewsCertificateId}, Prepared = {PreparedRequestId} }}";
}

/// <summary>Why the portal does not take a request from a device.</summary>
public enum DeviceRequestRefusal
{
    /// <summary>The nonce is older than <see cref="DeviceRequestSubmission.NonceLifetime"/>.</summary>
    Expired,

    /// <summary>The PKCS#10 is malformed or its signature does not verify with the key it carries.</summary>
    InvalidRequest,

    /// <summary>RSA shorter than 2048 bits, or an EC curve other than P-256/P-384.</summary>
    WeakKey,

    /// <summary>No service key is on record for the device's serial.</summary>
    DeviceNotRegistered,

    /// <summary>The attestation is not the registered service key's, or not about this request, nonce and device.</summary>
    AttestationInvalid,

    /// <summary>The same request was taken before.</summary>
    AlreadySubmitted,

    /// <summary>The signed-in account holds no applicant record to request for.</summary>
    NotAHolder,

    ApplicantBlocked,

    /// <summary>The device is bound to another person (person–device binding).</summary>
    DeviceBoundToSomeoneElse,

    /// <summary>A renewal from a device not bound to the holder: the first certificate needs the identity check.</summary>
    DeviceNotBound,

    /// <summary>The certificate to renew is not the holder's valid, unrevoked certificate on this device and area.</summary>
    RenewedCertificateNotValid,

    /// <summary>The attestation statement is not signed by the key of the certificate renewed.</summary>
    RenewalProofInvalid,

    /// <summary>The prepared request is not the holder's, not for this kind of certificate, or was sent already.</summary>
    PreparedRequestNotAvailable,

    /// <summary>The renewal application (code) is not this holder's open one for the certificate renewed and a key on a card, or its code is spent or expired.</summary>
    RenewalApplicationNotUsable,

    /// <summary>A revocation password shorter than <see cref="Revocation.RevocationPasswords.MinLength"/> characters.</summary>
    RevocationPasswordTooShort,
}

/// <summary>The request taken: its number, as the holder takes it to a branch.</summary>
public sealed record DeviceRequestRecorded(long Id, string RequestNumber, CertificateType Type, string SubjectName, string DeviceSerial);

/// <summary>What the checks found (shown to the holder either way), the request taken or why not, and for a renewal the CA's answer.</summary>
public sealed record DeviceRequestOutcome(RequestCheck Check, DeviceRequestRecorded? Recorded, DeviceRequestRefusal? Refusal, RequestIssuanceOutcome? Issuance = null);

/// <summary>
/// Takes a request made on the holder's device: the portal believes nothing the page or the agent says
/// until it has checked it — the request's signature and key, the service key's attestation against the key on record
/// for the device and the nonce this circuit issued (at most five minutes ago, each request once), the holder, and the
/// person–device binding — then records it under a BP (qualified) or KC (commercial) number. Every outcome is audited.
/// A subsequent request (renewal) is issued at once when its key also proved possession of the renewed certificate's key
/// and the person–device binding holds.
/// </summary>
public sealed class DeviceRequestSubmission(DataAccess data, CurrentActor current, AuditTrail audit, IServiceKeyRegistry serviceKeys, RequestIssuance issuance, TimeProvider time)
{
    public static readonly TimeSpan NonceLifetime = TimeSpan.FromMinutes(5);

    public const int DefaultValidityMonths = 12;

    public async Task<DeviceRequestOutcome> SubmitAsync(DeviceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var created = request.Created;
        var serial = created.DeviceSerial.Trim().ToUpperInvariant();
        var check = RequestVerification.Verify(created, request.Nonce, await serviceKeys.FindAsync(serial).ConfigureAwait(false));
        var type = request.Area == AreaKind.Qualified ? CertificateType.Qualified : CertificateType.Commercial;
        var outcome = await data.RunInTransactionAsync(async db =>
        {
            var applicant = actor.ApplicantId is { } applicantId
                ? await db.Applicants.AsNoTracking().SingleOrDefaultAsync(a => a.Id == applicantId).ConfigureAwait(false)
                : null;
            var device = await db.SecureDevices.AsNoTracking().SingleOrDefaultAsync(d => d.SerialNumber == serial).ConfigureAwait(false);
            var renewed = request.RenewsCertificateId is { } renewedId
                ? await db.Certificates.AsNoTracking().SingleOrDefaultAsync(c => c.Id == renewedId).ConfigureAwait(false)
                : null;
            var prepared = request.PreparedRequestId is { } preparedId
                ? await db.CertificateRequests.SingleOrDefaultAsync(r => r.Id == preparedId).ConfigureAwait(false)
                : null;
            var application = request.RenewalApplicationId is { } applicationId
                ? await db.RenewalApplications.AsNoTracking().SingleOrDefaultAsync(a => a.Id == applicationId).ConfigureAwait(false)
                : null;
            var refused = await RefusalAsync(db, request, check, applicant, device).ConfigureAwait(false)
                ?? (request.RenewsCertificateId is null ? null : await RenewalRefusalAsync(db, request, type, applicant!, device!, renewed).ConfigureAwait(false))
                ?? (request.RenewalApplicationId is null ? null : await ApplicationRefusalAsync(db, request, application, applicant!).ConfigureAwait(false))
                ?? (request.PreparedRequestId is null ? null : PreparedRefusal(prepared, applicant!, type))
                ?? (request.RevocationPassword is { Length: < Revocation.RevocationPasswords.MinLength or > Revocation.RevocationPasswords.MaxLength }
                    ? DeviceRequestRefusal.RevocationPasswordTooShort
                    : null);
            if (refused is not null)
            {
                audit.Add(db, actor, AuditActions.RequestRefused, AuditSubjects.DeviceSerial(serial), new { reason = refused.ToString() });
                await db.SaveChangesAsync().ConfigureAwait(false);
                return new DeviceRequestOutcome(check, null, refused);
            }

            var now = time.GetUtcNow().UtcDateTime;
            var recorded = prepared ?? new Data.CertificateRequest
            {
                RequestNumber = RequestNumbers.New(type),
                Type = type,
                SubjectName = CommonName(check.Request!),
                Email = application?.Email ?? applicant!.Email,
                Phone = application?.Phone ?? applicant!.Phone,
                ValidityMonths = application?.TermMonths ?? (renewed is null ? DefaultValidityMonths : RenewedValidityMonths(renewed)),
                CreatedAtUtc = now,
                CreatedBy = actor.AuditActor,
            };
            recorded.Kind = renewed is null ? RequestKind.Initial : RequestKind.Subsequent;
            recorded.Status = RequestStatus.Submitted;
            recorded.ApplicantId = applicant!.Id;
            recorded.DeviceId = device!.Id;
            recorded.Csr = created.Request;
            recorded.KeyIdHex = created.KeyIdHex.ToLowerInvariant();
            recorded.SubmittedAtUtc = now;
            recorded.RenewsCertificateId = renewed?.Id;
            recorded.RenewalApplicationId = application?.Id;
            recorded.SubjectSerialNumber ??= renewed is null ? null : SubjectSerialNumber(renewed);
            if (request.RevocationPassword is { } revocationPassword)
            {
                recorded.RevocationPasswordHash = Revocation.RevocationPasswords.Hash(revocationPassword);
            }

            if (prepared is null)
            {
                // A number already taken is drawn again before the insert: inside a PostgreSQL transaction a failed insert
                // cannot be retried. The unique index still has the last word.
                for (var attempt = 0; attempt < 5 && await db.CertificateRequests.AnyAsync(r => r.RequestNumber == recorded.RequestNumber).ConfigureAwait(false); attempt++)
                {
                    recorded.RequestNumber = RequestNumbers.New(type);
                }

                db.CertificateRequests.Add(recorded);
            }

            await db.SaveChangesAsync().ConfigureAwait(false);
            audit.Add(db, actor, AuditActions.RequestSubmitted, AuditSubjects.Request(recorded.Id), new
            {
                recorded.RequestNumber, type = type.ToString(), device = serial, key = created.KeyIdHex, kind = recorded.Kind.ToString(),
                renews = renewed?.SerialNumber, application = application?.Reference,
            });
            await db.SaveChangesAsync().ConfigureAwait(false);
            return new DeviceRequestOutcome(check, new DeviceRequestRecorded(recorded.Id, recorded.RequestNumber, type, recorded.SubjectName, serial), null);
        }).ConfigureAwait(false);

        // A renewal needs no branch visit: the CA issues as soon as it is taken.
        return outcome.Recorded is { } taken && request.RenewsCertificateId is not null
            ? outcome with { Issuance = await issuance.IssueAsync(taken.Id, actor).ConfigureAwait(false) }
            : outcome;
    }

    /// <summary>
    /// A renewal: the renewed certificate is the holder's, valid and not revoked, on this device and of this kind; its key
    /// signed the statement the service key attested (the agent's <see cref="RenewalProof"/>); the device is bound to the holder.
    /// </summary>
    private async Task<DeviceRequestRefusal?> RenewalRefusalAsync(PortalDbContext db, DeviceRequest request, CertificateType type, Applicant applicant, SecureDevice device,
        Certificate? renewed)
    {
        if (renewed is null || renewed.ApplicantId != applicant.Id || renewed.DeviceId != device.Id || renewed.Type != type
            || !renewed.IsValidAt(time.GetUtcNow().UtcDateTime))
        {
            return DeviceRequestRefusal.RenewedCertificateNotValid;
        }

        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(renewed.Der);
        if (request.Created.Renewal is not { } proof || !proof.Verify(request.Created.Attestation.Statement, certificate))
        {
            return DeviceRequestRefusal.RenewalProofInvalid;
        }

        return await db.DeviceBindings.AnyAsync(b => b.DeviceId == device.Id && b.CancelledAtUtc == null && b.ApplicantId == applicant.Id).ConfigureAwait(false)
            ? null
            : DeviceRequestRefusal.DeviceNotBound;
    }

    /// <summary>A renewal paid with a code: the holder's signed application for this very certificate and a key on a card, its code not spent or expired.</summary>
    private async Task<DeviceRequestRefusal?> ApplicationRefusalAsync(PortalDbContext db, DeviceRequest request, RenewalApplication? application, Applicant applicant)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return application is { Medium: KeyMedium.Card, CertificateId: null } && application.ApplicantId == applicant.Id
            && application.RenewsCertificateId == request.RenewsCertificateId
            && await db.RenewalCodes.AnyAsync(c => c.Id == application.RenewalCodeId && c.RedeemedAtUtc == null && c.Batch.ExpiresAtUtc > now).ConfigureAwait(false)
                ? null
                : DeviceRequestRefusal.RenewalApplicationNotUsable;
    }

    private static DeviceRequestRefusal? PreparedRefusal(Data.CertificateRequest? prepared, Applicant applicant, CertificateType type) =>
        prepared is { Status: RequestStatus.Prepared } && prepared.ApplicantId == applicant.Id && prepared.Type == type
            ? null
            : DeviceRequestRefusal.PreparedRequestNotAvailable;

    /// <summary>The renewed certificate's term again, in whole months (the CA still applies the organisation's limit).</summary>
    private static int RenewedValidityMonths(Certificate renewed) =>
        Math.Max(1, (int)Math.Round((renewed.NotAfterUtc - renewed.NotBeforeUtc).TotalDays / 30.44));

    /// <summary>The renewed certificate's subject serialNumber: the person keeps their identifier.</summary>
    private static string? SubjectSerialNumber(Certificate renewed)
    {
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(renewed.Der);
        return IssuanceSubjects.SerialNumberOf(certificate);
    }

    private async Task<DeviceRequestRefusal?> RefusalAsync(PortalDbContext db, DeviceRequest request, RequestCheck check, Applicant? applicant, SecureDevice? device)
    {
        var created = request.Created;
        var age = time.GetUtcNow() - request.NonceIssuedAt;
        if (age > NonceLifetime || age < TimeSpan.Zero)
        {
            return DeviceRequestRefusal.Expired;
        }

        if (created.KeyIdHex.Length is 0 or > Data.CertificateRequest.KeyIdMaxLength || !created.KeyIdHex.All(Uri.IsHexDigit)
            || !check.RequestSignatureValid)
        {
            return DeviceRequestRefusal.InvalidRequest;
        }

        if (PublicKeyPolicy.Check(check.Request!.PublicKey.ExportSubjectPublicKeyInfo()).Refusal is not null)
        {
            return DeviceRequestRefusal.WeakKey;
        }

        if (device is null || check.Attestation == AttestationCheck.Unverifiable)
        {
            return DeviceRequestRefusal.DeviceNotRegistered;
        }

        if (check.Attestation != AttestationCheck.Verified)
        {
            return DeviceRequestRefusal.AttestationInvalid;
        }

        if (await db.CertificateRequests.AnyAsync(r => r.Csr == created.Request).ConfigureAwait(false))
        {
            return DeviceRequestRefusal.AlreadySubmitted;
        }

        if (applicant is null)
        {
            return DeviceRequestRefusal.NotAHolder;
        }

        if (applicant.IsBlocked)
        {
            return DeviceRequestRefusal.ApplicantBlocked;
        }

        return await db.DeviceBindings.AnyAsync(b => b.DeviceId == device.Id && b.CancelledAtUtc == null && b.ApplicantId != applicant.Id).ConfigureAwait(false)
            ? DeviceRequestRefusal.DeviceBoundToSomeoneElse
            : null;
    }

    /// <summary>The request's common name (what goes into the certificate); its whole subject when it has none.</summary>
    private static string CommonName(System.Security.Cryptography.X509Certificates.CertificateRequest request) =>
        request.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(n => n.GetSingleElementType().Value == "2.5.4.3")
            .Select(n => n.GetSingleElementValue())
            .FirstOrDefault(n => !string.IsNullOrWhiteSpace(n)) ?? request.SubjectName.Name;
}

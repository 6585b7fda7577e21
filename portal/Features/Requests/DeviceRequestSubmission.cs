using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pkcs10 = System.Security.Cryptography.X509Certificates.CertificateRequest;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Requests;

/// <summary>A request made on a device, with what the portal knows about it: the nonce it issued and when.</summary>
public sealed record DeviceRequest(KeyRequestCreated Created, byte[] Nonce, DateTimeOffset NonceIssuedAt, AreaKind Area);

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
}

/// <summary>The request taken: its number, as the holder takes it to a branch.</summary>
public sealed record DeviceRequestRecorded(long Id, string RequestNumber, CertificateType Type, string SubjectName, string DeviceSerial);

public sealed record DeviceRequestOutcome(DeviceRequestRecorded? Recorded, DeviceRequestRefusal? Refusal)
{
    public static DeviceRequestOutcome Refused(DeviceRequestRefusal refusal) => new(null, refusal);
}

/// <summary>
/// Takes a request made on the holder's device (#11 item 3): the portal believes nothing the page or the agent says
/// until it has checked it — the request's signature and key, the service key's attestation against the key on record
/// for the device and the nonce this circuit issued (at most five minutes ago, each request once), the holder, and the
/// person–device binding — then records it under a BP (qualified) or KC (commercial) number. Every outcome is audited.
/// </summary>
public sealed class DeviceRequestSubmission(DataAccess data, CurrentActor current, AuditTrail audit, TimeProvider time)
{
    public static readonly TimeSpan NonceLifetime = TimeSpan.FromMinutes(5);

    public const int DefaultValidityMonths = 12;

    public async Task<DeviceRequestOutcome> SubmitAsync(DeviceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var created = request.Created;
        var serial = created.DeviceSerial.Trim().ToUpperInvariant();
        return await data.RunInTransactionAsync(async db =>
        {
            var (outcome, subjectName) = await CheckAsync(db, actor, request, serial).ConfigureAwait(false);
            if (outcome is { } refused)
            {
                audit.Add(db, actor, AuditActions.RequestRefused, AuditSubjects.DeviceSerial(serial), new { reason = refused.ToString() });
                await db.SaveChangesAsync().ConfigureAwait(false);
                return DeviceRequestOutcome.Refused(refused);
            }

            var applicant = await db.Applicants.SingleAsync(a => a.Id == actor.ApplicantId).ConfigureAwait(false);
            var device = await db.SecureDevices.SingleAsync(d => d.SerialNumber == serial).ConfigureAwait(false);
            var type = request.Area == AreaKind.Qualified ? CertificateType.Qualified : CertificateType.Commercial;
            var now = time.GetUtcNow().UtcDateTime;
            var recorded = new Data.CertificateRequest
            {
                RequestNumber = RequestNumbers.New(type),
                Type = type,
                Kind = RequestKind.Initial,
                Status = RequestStatus.Submitted,
                ApplicantId = applicant.Id,
                DeviceId = device.Id,
                SubjectName = subjectName!,
                Email = applicant.Email,
                ValidityMonths = DefaultValidityMonths,
                Csr = created.Request,
                KeyIdHex = created.KeyIdHex.ToLowerInvariant(),
                CreatedAtUtc = now,
                CreatedBy = actor.AuditActor,
                SubmittedAtUtc = now,
            };
            // A number already taken is drawn again before the insert: inside a PostgreSQL transaction a failed insert
            // cannot be retried. The unique index still has the last word.
            for (var attempt = 0; attempt < 5 && await db.CertificateRequests.AnyAsync(r => r.RequestNumber == recorded.RequestNumber).ConfigureAwait(false); attempt++)
            {
                recorded.RequestNumber = RequestNumbers.New(type);
            }

            db.CertificateRequests.Add(recorded);
            await db.SaveChangesAsync().ConfigureAwait(false);

            audit.Add(db, actor, AuditActions.RequestSubmitted, AuditSubjects.Request(recorded.Id), new
            {
                recorded.RequestNumber, type = type.ToString(), device = serial, key = created.KeyIdHex,
            });
            await db.SaveChangesAsync().ConfigureAwait(false);
            return new DeviceRequestOutcome(new DeviceRequestRecorded(recorded.Id, recorded.RequestNumber, type, recorded.SubjectName, serial), null);
        }).ConfigureAwait(false);
    }

    private async Task<(DeviceRequestRefusal? Refusal, string? SubjectName)> CheckAsync(PortalDbContext db, Actor actor, DeviceRequest request, string serial)
    {
        var created = request.Created;
        var age = time.GetUtcNow() - request.NonceIssuedAt;
        if (age > NonceLifetime || age < TimeSpan.Zero)
        {
            return (DeviceRequestRefusal.Expired, null);
        }

        if (created.KeyIdHex.Length is 0 or > Data.CertificateRequest.KeyIdMaxLength || !created.KeyIdHex.All(Uri.IsHexDigit))
        {
            return (DeviceRequestRefusal.InvalidRequest, null);
        }

        Pkcs10 csr;
        try
        {
            // Loading checks the request's signature with the public key it carries.
            csr = Pkcs10.LoadSigningRequest(
                created.Request, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException)
        {
            return (DeviceRequestRefusal.InvalidRequest, null);
        }

        if (!KeyIsStrongEnough(csr.PublicKey))
        {
            return (DeviceRequestRefusal.WeakKey, null);
        }

        var device = await db.SecureDevices.AsNoTracking().SingleOrDefaultAsync(d => d.SerialNumber == serial).ConfigureAwait(false);
        if (device?.ServiceKeyPublicKey is not { } registered)
        {
            return (DeviceRequestRefusal.DeviceNotRegistered, null);
        }

        if (!AttestationStatement.Verify(created.Attestation, PublicKey.CreateFromSubjectPublicKeyInfo(registered, out _), created.Request, request.Nonce, created.DeviceSerial))
        {
            return (DeviceRequestRefusal.AttestationInvalid, null);
        }

        if (await db.CertificateRequests.AnyAsync(r => r.Csr == created.Request).ConfigureAwait(false))
        {
            return (DeviceRequestRefusal.AlreadySubmitted, null);
        }

        if (actor.ApplicantId is not { } applicantId)
        {
            return (DeviceRequestRefusal.NotAHolder, null);
        }

        if (await db.Applicants.AnyAsync(a => a.Id == applicantId && a.IsBlocked).ConfigureAwait(false))
        {
            return (DeviceRequestRefusal.ApplicantBlocked, null);
        }

        if (await db.DeviceBindings.AnyAsync(b => b.DeviceId == device.Id && b.CancelledAtUtc == null && b.ApplicantId != applicantId).ConfigureAwait(false))
        {
            return (DeviceRequestRefusal.DeviceBoundToSomeoneElse, null);
        }

        var subject = csr.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(n => n.GetSingleElementType().Value == "2.5.4.3")
            .Select(n => n.GetSingleElementValue())
            .FirstOrDefault();
        return (null, string.IsNullOrWhiteSpace(subject) ? csr.SubjectName.Name : subject);
    }

    private static bool KeyIsStrongEnough(PublicKey key)
    {
        using var rsa = key.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize >= 2048;
        }

        using var ec = key.GetECDsaPublicKey();
        if (ec is null)
        {
            return false;
        }

        var curve = ec.ExportParameters(false).Curve.Oid;
        return curve.Value is "1.2.840.10045.3.1.7" or "1.3.132.0.34" // P-256, P-384
            || curve.FriendlyName is "nistP256" or "nistP384" or "ECDSA_P256" or "ECDSA_P384";
    }
}

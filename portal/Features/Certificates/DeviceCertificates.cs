using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Certificates;

/// <summary>A certificate the CA issued for a key on one of the attached devices, not yet on that device.</summary>
public sealed record IssuedForDevice(long Id, string SerialNumber, CertificateType Type, string Subject, DateTime NotBeforeUtc, DateTime NotAfterUtc,
    string DeviceSerial, string? KeyIdHex, string? RequestNumber, bool Accepted);

/// <summary>What the CA's registry says about a certificate found on a device.</summary>
public enum RegistryStatus
{
    /// <summary>Issued by this CA, on record, not revoked.</summary>
    Known,

    /// <summary>Issued by this CA and revoked.</summary>
    Revoked,

    /// <summary>Not on the CA's record: another CA's certificate, or an imported one.</summary>
    Foreign,
}

/// <summary>The registry's view of the attached devices for the signed-in holder.</summary>
public sealed class DeviceRegistryView(IReadOnlyDictionary<string, (long Id, RegistryStatus Status)> known, IReadOnlyList<IssuedForDevice> issued,
    IReadOnlySet<string>? boundToHolder = null)
{
    public static DeviceRegistryView None { get; } = new(new Dictionary<string, (long, RegistryStatus)>(), []);

    private readonly IReadOnlySet<string> _boundToHolder = boundToHolder ?? new HashSet<string>();

    /// <summary>The device is bound to the signed-in holder (who may then ask for the binding's cancellation).</summary>
    public bool IsBoundToHolder(string deviceSerial) => _boundToHolder.Contains(deviceSerial.Trim().ToUpperInvariant());

    /// <summary>Issued for keys on the attached devices and not on them yet, qualified first (installed first: seed 001's error 621).</summary>
    public IReadOnlyList<IssuedForDevice> Issued { get; } = issued;

    public IReadOnlyList<IssuedForDevice> IssuedFor(string deviceSerial) =>
        Issued.Where(i => string.Equals(i.DeviceSerial, deviceSerial, StringComparison.OrdinalIgnoreCase)).ToList();

    public RegistryStatus StatusOf(CertificateView certificate) =>
        known.TryGetValue(Key(certificate.Issuer, certificate.SerialNumber), out var entry) ? entry.Status : RegistryStatus.Foreign;

    /// <summary>The record of a certificate on a device, when the CA has one.</summary>
    public long? RecordOf(CertificateView certificate) =>
        known.TryGetValue(Key(certificate.Issuer, certificate.SerialNumber), out var entry) ? entry.Id : null;

    internal static string Key(string issuer, string serialNumber) => $"{serialNumber.Trim().ToUpperInvariant()}|{issuer}";
}

/// <summary>The accepted certificate to install: its DER, where, next to which key.</summary>
public sealed record AcceptedCertificate(long Id, byte[] Der, CertificateType Type, string DeviceSerial, string? KeyIdHex);

public enum AcceptanceRefusal
{
    /// <summary>Not the holder's certificate, or no such certificate (the same answer, audited).</summary>
    NotFound,

    /// <summary>Revoked or expired meanwhile.</summary>
    NotValid,
}

public sealed record AcceptanceOutcome(AcceptedCertificate? Accepted, AcceptanceRefusal? Refusal);

/// <summary>
/// The holder's side of issuance on My token: which certificates the CA issued for keys on the attached devices
/// ("Check issued certificates"), which certificates on the devices the CA knows, and the acceptance of a certificate
/// after its issuance protocol — recorded before it is installed, and only by the holder it was issued to.
/// </summary>
public sealed class DeviceCertificates(DataAccess data, CurrentActor current, AuditTrail audit, TimeProvider time)
{
    public async Task<DeviceRegistryView> ForDevicesAsync(IReadOnlyList<DeviceSnapshot> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var actor = await current.GetAsync().ConfigureAwait(false);
        var serials = devices.SelectMany(d => d.Areas).SelectMany(a => a.Certificates).Select(c => c.SerialNumber.Trim().ToUpperInvariant()).Distinct().ToList();
        var deviceSerials = devices.Select(d => d.SerialNumber.Trim().ToUpperInvariant()).Distinct().ToList();
        var now = time.GetUtcNow().UtcDateTime;
        return await data.RunAsync(async db =>
        {
            var known = await db.Certificates.AsNoTracking().Where(c => serials.Contains(c.SerialNumber))
                .Select(c => new { c.Id, c.SerialNumber, c.Issuer, c.Status }).ToListAsync().ConfigureAwait(false);
            var issued = new List<IssuedForDevice>();
            var bound = new HashSet<string>(StringComparer.Ordinal);
            if (actor?.ApplicantId is { } applicantId)
            {
                var boundSerials = await db.DeviceBindings.AsNoTracking()
                    .Where(b => b.ApplicantId == applicantId && b.CancelledAtUtc == null && deviceSerials.Contains(b.Device.SerialNumber))
                    .Select(b => b.Device.SerialNumber).ToListAsync().ConfigureAwait(false);
                bound.UnionWith(boundSerials.Select(s => s.Trim().ToUpperInvariant()));

                var candidates = await db.Certificates.AsNoTracking()
                    .Where(c => c.ApplicantId == applicantId && c.Device != null && deviceSerials.Contains(c.Device.SerialNumber)
                        && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now && !serials.Contains(c.SerialNumber))
                    .Select(c => new
                    {
                        c.Id, c.SerialNumber, c.Type, c.Subject, c.NotBeforeUtc, c.NotAfterUtc, Device = c.Device!.SerialNumber, c.KeyIdHex, c.AcceptedAtUtc,
                        Request = db.CertificateRequests.Where(r => r.CertificateId == c.Id).Select(r => r.RequestNumber).FirstOrDefault(),
                    })
                    .ToListAsync().ConfigureAwait(false);
                issued.AddRange(candidates
                    .OrderBy(c => c.Type == CertificateType.Commercial ? 1 : 0).ThenBy(c => c.NotBeforeUtc)
                    .Select(c => new IssuedForDevice(c.Id, c.SerialNumber, c.Type, c.Subject, c.NotBeforeUtc, c.NotAfterUtc, c.Device, c.KeyIdHex, c.Request, c.AcceptedAtUtc is not null)));
            }

            return new DeviceRegistryView(
                known.ToDictionary(k => DeviceRegistryView.Key(k.Issuer, k.SerialNumber), k => (k.Id, k.Status == CertificateStatus.Revoked ? RegistryStatus.Revoked : RegistryStatus.Known)),
                issued,
                bound);
        }).ConfigureAwait(false);
    }

    /// <summary>The holder accepts the certificate (having read its protocol); recorded once, the first time.</summary>
    public async Task<AcceptanceOutcome> AcceptAsync(long certificateId)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var outcome = await data.RunInTransactionAsync(async db =>
        {
            var certificate = actor.ApplicantId is { } applicantId && actor.Support is null
                ? await db.Certificates.Include(c => c.Device).SingleOrDefaultAsync(c => c.Id == certificateId && c.ApplicantId == applicantId).ConfigureAwait(false)
                : null;
            if (certificate?.Device is null)
            {
                return new AcceptanceOutcome(null, AcceptanceRefusal.NotFound);
            }

            // A renewal may start when the renewed certificate ends: it goes onto the device before its validity begins.
            if (certificate.Status != CertificateStatus.Issued || certificate.NotAfterUtc <= now)
            {
                return new AcceptanceOutcome(null, AcceptanceRefusal.NotValid);
            }

            if (certificate.AcceptedAtUtc is null)
            {
                certificate.AcceptedAtUtc = now;
                certificate.AcceptedBy = actor.AuditActor;
                audit.Add(db, actor, AuditActions.CertificateAccepted, AuditSubjects.Certificate(certificate.Id), new
                {
                    serial = certificate.SerialNumber, device = certificate.Device.SerialNumber,
                });
                await db.SaveChangesAsync().ConfigureAwait(false);
            }

            return new AcceptanceOutcome(new AcceptedCertificate(certificate.Id, certificate.Der, certificate.Type, certificate.Device.SerialNumber, certificate.KeyIdHex), null);
        }).ConfigureAwait(false);
        if (outcome.Refusal == AcceptanceRefusal.NotFound)
        {
            await audit.RecordRefusalAsync(actor, AuditSubjects.Certificate(certificateId), "accept").ConfigureAwait(false);
        }

        return outcome;
    }
}

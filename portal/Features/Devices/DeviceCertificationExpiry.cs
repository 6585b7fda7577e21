using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Jobs;
using Qtsp.Portal.Infrastructure.Mail;

namespace Qtsp.Portal.Features.Devices;

/// <summary>Section "Devices".</summary>
public sealed class DeviceOptions
{
    public const string Section = "Devices";

    /// <summary>How often every instance looks whether the job is due (it does the work under a lease, once a day at most per device).</summary>
    public TimeSpan ExpiryCheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How far ahead a representative sees devices whose QSCD certification ends.</summary>
    public int EndingSoonDays { get; set; } = 90;
}

/// <summary>What one run of the job did.</summary>
public sealed record CertificationExpiryRun(int Devices, int CertificatesRevoked);

/// <summary>
/// When a device's QSCD certification has ended (its last certified day, <see cref="SecureDevice.QscdCertifiedUntil"/>,
/// is over in the portal's time zone), every valid qualified certificate on it is revoked (cessationOfOperation), the
/// holders are mailed, and the device is marked as no longer a QSCD (<see cref="SecureDevice.QscdEndedAtUtc"/>), after
/// which the CA issues no QcSSCD or QCP-n-qscd into it. Each device is claimed by one conditional update, so it is
/// processed once even if two instances ran at the same moment; the lease keeps them from trying.
/// </summary>
public sealed partial class DeviceCertificationExpiry(
    DataAccess data,
    JobLeases leases,
    AuditTrail audit,
    RevocationRecord revocations,
    PortalTime portalTime,
    TimeProvider time,
    ILogger<DeviceCertificationExpiry> logger)
{
    public const string JobName = "device-certification-expiry";
    public const string Revoker = "ca:device-certification-expiry";

    /// <summary>One run, if this instance gets the lease; null when another instance holds it.</summary>
    public Task<CertificationExpiryRun?> RunAsync(CancellationToken cancellationToken = default) =>
        leases.RunHoldingAsync(JobName, TimeSpan.FromMinutes(10), RunHeldAsync, cancellationToken);

    private async Task<CertificationExpiryRun> RunHeldAsync(LeaseHold hold, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), portalTime.Zone).DateTime);
        var due = await data.RunAsync(db => db.SecureDevices.AsNoTracking()
            .Where(d => d.QscdEndedAtUtc == null && d.QscdCertifiedUntil != null && d.QscdCertifiedUntil < today)
            .Select(d => d.Id)
            .ToListAsync(cancellationToken)).ConfigureAwait(false);
        var revoked = 0;
        var devices = 0;
        foreach (var deviceId in due)
        {
            var (claimed, count) = await EndAsync(deviceId, hold, cancellationToken).ConfigureAwait(false);
            devices += claimed ? 1 : 0;
            revoked += count;
        }

        if (devices > 0)
        {
            LogEnded(logger, devices, revoked);
        }

        return new CertificationExpiryRun(devices, revoked);
    }

    /// <summary>
    /// Revokes the device's valid qualified certificates through the one revocation path (each once, whoever runs), then
    /// claims the device; a run cut short before the claim is simply repeated. Says whether this run claimed the device
    /// and how many certificates it revoked itself.
    /// </summary>
    private async Task<(bool Claimed, int Revoked)> EndAsync(long deviceId, LeaseHold hold, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var (serial, until, certificates) = await data.RunAsync(async db =>
        {
            var device = await db.SecureDevices.AsNoTracking().SingleAsync(d => d.Id == deviceId, cancellationToken).ConfigureAwait(false);
            var ids = await db.Certificates.AsNoTracking()
                .Where(c => c.DeviceId == deviceId && c.Type == CertificateType.Qualified && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now)
                .Select(c => c.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            return (device.SerialNumber, device.QscdCertifiedUntil!.Value, ids);
        }).ConfigureAwait(false);

        var revoked = 0;
        foreach (var certificateId in certificates)
        {
            // Each revocation commits only while this run still holds the lease (and the certificate's own conditional
            // update decides between two revocations of it), so a paused run that lost the lease revokes nothing more.
            var issuer = await data.RunInTransactionAsync(async db =>
            {
                await hold.ConfirmAsync(db, cancellationToken).ConfigureAwait(false);
                var written = await revocations.WriteAsync(db, null, certificateId, RevocationReason.CessationOfOperation, null, JobName, Revoker,
                    certificate => (MailTexts.L["Mail.DeviceCertificationEnded.Subject", certificate.SerialNumber],
                        MailTexts.L["Mail.DeviceCertificationEnded.Body", certificate.Subject, certificate.SerialNumber, serial, until])).ConfigureAwait(false);
                return written;
            }).ConfigureAwait(false);
            if (issuer is not null)
            {
                revocations.Published([issuer], RevocationReason.CessationOfOperation);
                revoked++;
            }
        }

        var claimed = await data.RunInTransactionAsync(async db =>
        {
            await hold.ConfirmAsync(db, cancellationToken).ConfigureAwait(false);
            var changed = await db.SecureDevices.Where(d => d.Id == deviceId && d.QscdEndedAtUtc == null)
                .ExecuteUpdateAsync(set => set.SetProperty(d => d.QscdEndedAtUtc, now), cancellationToken).ConfigureAwait(false);
            if (changed == 0)
            {
                return false;
            }

            audit.Add(db, Revoker, AuditActions.DeviceCertificationEnded, AuditSubjects.Device(deviceId), new
            {
                device = serial, until = until.ToString("O", System.Globalization.CultureInfo.InvariantCulture), revoked = certificates.Count,
            });
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return (claimed, revoked);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "QSCD certification ended for {Devices} device(s); {Certificates} qualified certificate(s) revoked")]
    private static partial void LogEnded(ILogger logger, int devices, int certificates);
}

/// <summary>Runs <see cref="DeviceCertificationExpiry"/> on every instance at <see cref="DeviceOptions.ExpiryCheckInterval"/>; the lease decides who works.</summary>
public sealed class DeviceCertificationExpiryJob(IServiceScopeFactory scopes, IOptions<DeviceOptions> options, TimeProvider time, ILogger<DeviceCertificationExpiryJob> logger)
    : PeriodicJob<DeviceCertificationExpiry>(scopes, time, logger)
{
    protected override string Name => DeviceCertificationExpiry.JobName;

    protected override TimeSpan Interval => options.Value.ExpiryCheckInterval;

    // Nothing is half-done by a failed pass: one transaction per device.
    protected override Task RunPassAsync(DeviceCertificationExpiry pass, CancellationToken cancellationToken) => pass.RunAsync(cancellationToken);
}

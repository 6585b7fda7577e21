using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Devices;

/// <summary>A device bound to an applicant the account may see, whose QSCD certification ends soon.</summary>
public sealed record DeviceEndingSoon(long DeviceId, string SerialNumber, string ModelId, string HolderName, DateOnly CertifiedUntil);

/// <summary>The devices of an account's applicants whose QSCD certification ends within <see cref="DeviceOptions.EndingSoonDays"/>.</summary>
public sealed class DeviceCertificationService(DataAccess data, CurrentActor current, PortalTime portalTime, IOptions<DeviceOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<DeviceEndingSoon>> EndingSoonAsync()
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var today = Today();
        return await data.RunAsync(db => EndingSoonAsync(db, db.Applicants.VisibleTo(actor), today, today.AddDays(options.Value.EndingSoonDays))).ConfigureAwait(false);
    }

    /// <summary>The calendar day it is now in the portal's zone.</summary>
    public DateOnly Today() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), portalTime.Zone).DateTime);

    public int EndingSoonDays => options.Value.EndingSoonDays;

    /// <summary>The devices bound to <paramref name="applicants"/> (already limited to what the account may see) whose certification ends from <paramref name="today"/> to <paramref name="until"/>.</summary>
    public static async Task<IReadOnlyList<DeviceEndingSoon>> EndingSoonAsync(PortalDbContext db, IQueryable<Applicant> applicants, DateOnly today, DateOnly until) =>
        await db.DeviceBindings.AsNoTracking()
            .Where(b => b.CancelledAtUtc == null && applicants.Any(a => a.Id == b.ApplicantId)
                && b.Device.QscdEndedAtUtc == null && b.Device.QscdCertifiedUntil != null
                && b.Device.QscdCertifiedUntil >= today && b.Device.QscdCertifiedUntil <= until)
            .OrderBy(b => b.Device.QscdCertifiedUntil)
            .Select(b => new DeviceEndingSoon(b.DeviceId, b.Device.SerialNumber, b.Device.ModelId, b.Applicant.FirstName + " " + b.Applicant.LastName, b.Device.QscdCertifiedUntil!.Value))
            .ToListAsync().ConfigureAwait(false);
}

using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Devices;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Pkcs10 = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace Qtsp.Portal.Tests.Devices;

/// <summary>
/// The end of a device's QSCD certification, with a fake clock and two portal instances on one PostgreSQL database:
/// the qualified certificates on it are revoked once (cessationOfOperation), the holders mailed, the device is no QSCD
/// any more and the CA issues into it without QcSSCD; representatives see devices ending within 90 days.
/// </summary>
public sealed class DeviceCertificationExpiryTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private readonly TestClock _clock = new(Start);
    private PortalServer _first = default!;
    private PortalServer _second = default!;

    public async Task InitializeAsync()
    {
        // The job's own timer waits a day: the test runs it when the clock says so.
        string[] quiet = ["--Devices:ExpiryCheckInterval", "1.00:00:00"];
        _first = await PortalServer.StartAsync(DatabaseProvider.PostgreSql, UseClock, quiet);
        _second = await PortalServer.StartAsync(UseClock, [.. _first.SameDatabaseArguments(), .. quiet]);
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task Two_instances_revoke_the_qualified_certificates_of_an_ended_device_once_and_the_CA_stops_claiming_a_QSCD()
    {
        var data = new TestData(_first.App.Services);
        var organisation = await data.OrganisationAsync();
        var holder = await data.ApplicantAsync(organisation, "Jana", "Nováková");
        var device = await data.DeviceAsync(holder, qscdUntil: DateOnly.FromDateTime(Start.UtcDateTime).AddDays(30));
        var other = await data.DeviceAsync(holder, qscdUntil: DateOnly.FromDateTime(Start.UtcDateTime).AddDays(400));
        await data.DbAsync(async db =>
        {
            foreach (var row in await db.SecureDevices.Where(d => d.Id == device.Id || d.Id == other.Id).ToListAsync())
            {
                row.ServiceKeyPublicKey = RandomNumberGenerator.GetBytes(32); // registered (the value is not used here)
            }

            return await db.SaveChangesAsync();
        });
        var qualified = await IssueAsync(data, holder, device, CertificateType.Qualified);
        var commercial = await IssueAsync(data, holder, device, CertificateType.Commercial);
        var elsewhere = await IssueAsync(data, holder, other, CertificateType.Qualified);
        (await PoliciesAsync(data, qualified)).ShouldContain("0.4.0.194112.1.2");

        // A representative sees the device coming (30 days ahead), not the one certified for 400 more days.
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);
        var ending = await data.AsAsync<DeviceCertificationService, IReadOnlyList<DeviceEndingSoon>>(representative, s => s.EndingSoonAsync());
        ending.Select(d => d.DeviceId).ShouldBe([device.Id]);
        var stranger = await data.AccountAsync(PortalRoles.CompanyRepresentative, await data.OrganisationAsync());
        (await data.AsAsync<DeviceCertificationService, IReadOnlyList<DeviceEndingSoon>>(stranger, s => s.EndingSoonAsync())).ShouldBeEmpty();

        // On the last certified day nothing happens.
        _clock.Advance(TimeSpan.FromDays(30));
        (await RunBothAsync()).Sum(r => r?.CertificatesRevoked ?? 0).ShouldBe(0);

        // The next day both instances run at once: one revokes, the other finds nothing (or no lease).
        _clock.Advance(TimeSpan.FromDays(1));
        var runs = await RunBothAsync();
        runs.Sum(r => r?.CertificatesRevoked ?? 0).ShouldBe(1);
        runs.Sum(r => r?.Devices ?? 0).ShouldBe(1);
        (await RunBothAsync()).Sum(r => r?.CertificatesRevoked ?? 0).ShouldBe(0);

        var rows = await data.DbAsync(db => db.Certificates.AsNoTracking().Where(c => c.ApplicantId == holder.Id).ToDictionaryAsync(c => c.Id));
        rows[qualified].Status.ShouldBe(CertificateStatus.Revoked);
        rows[qualified].RevocationReason.ShouldBe(RevocationReason.CessationOfOperation);
        rows[qualified].RevokedBy.ShouldBe(DeviceCertificationExpiry.Revoker);
        rows[commercial].Status.ShouldBe(CertificateStatus.Issued); // not qualified: the certification does not concern it
        rows[elsewhere].Status.ShouldBe(CertificateStatus.Issued);
        (await data.DbAsync(db => db.SecureDevices.SingleAsync(d => d.Id == device.Id))).QscdEndedAtUtc.ShouldNotBeNull();
        var audit = await data.AuditAsync();
        audit.Count(a => a.Action == AuditActions.CertificateRevoked && a.Details!.Contains(rows[qualified].SerialNumber, StringComparison.Ordinal)).ShouldBe(1);
        audit.Count(a => a.Action == AuditActions.DeviceCertificationEnded && a.Subject == AuditSubjects.Device(device.Id)).ShouldBe(1);
        (await data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Kind == "certificate.revoked." + DeviceCertificationExpiry.JobName && m.Recipient == holder.Email))).ShouldBe(1);
        // A month later the first sign-in has long ended (idle): the representative signs in again.
        (await data.AsAsync<DeviceCertificationService, IReadOnlyList<DeviceEndingSoon>>(representative, s => s.EndingSoonAsync(), await data.NewSignInAsync(representative))).ShouldBeEmpty();

        // The CA no longer says QSCD for a key on that device, whatever the certification date would say.
        await data.DbAsync(async db =>
        {
            var row = await db.SecureDevices.SingleAsync(d => d.Id == device.Id);
            row.QscdCertifiedUntil = DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime).AddYears(1);
            return await db.SaveChangesAsync();
        });
        var after = await IssueAsync(data, holder, device, CertificateType.Qualified);
        var policies = await PoliciesAsync(data, after);
        policies.ShouldContain("0.4.0.194112.1.0");
        policies.ShouldNotContain("0.4.0.194112.1.2");
    }

    private void UseClock(IServiceCollection services) => services.AddSingleton<TimeProvider>(_clock);

    private async Task<CertificationExpiryRun?[]> RunBothAsync()
    {
        async Task<CertificationExpiryRun?> RunAsync(PortalServer server)
        {
            await using var scope = server.App.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<DeviceCertificationExpiry>().RunAsync();
        }

        return await Task.WhenAll(RunAsync(_first), RunAsync(_second));
    }

    /// <summary>A request verified at the branch and issued by the RA operator (the lifecycle's own path).</summary>
    private async Task<long> IssueAsync(TestData data, Applicant holder, SecureDevice device, CertificateType type)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = await data.DbAsync(async db =>
        {
            var row = new Portal.Data.CertificateRequest
            {
                RequestNumber = RequestNumbers.New(type),
                Type = type,
                Kind = RequestKind.Initial,
                Status = RequestStatus.Verified,
                ApplicantId = holder.Id,
                DeviceId = device.Id,
                SubjectName = holder.DisplayName,
                Email = holder.Email,
                ValidityMonths = 12,
                Csr = new Pkcs10("CN=Jana Nováková", key, HashAlgorithmName.SHA256).CreateSigningRequest(),
                KeyIdHex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
                SubjectSerialNumber = "IDCCZ-987654321",
                CreatedAtUtc = _clock.GetUtcNow().UtcDateTime,
                CreatedBy = "test",
            };
            db.CertificateRequests.Add(row);
            await db.SaveChangesAsync();
            return row;
        });
        var operatorAccount = await data.AccountAsync(PortalRoles.RaOperator);
        await using var scope = await data.AsAsync(operatorAccount);
        var actor = await scope.ServiceProvider.GetRequiredService<CurrentActor>().RequireAsync();
        var outcome = await scope.ServiceProvider.GetRequiredService<RequestIssuance>().IssueAsync(request.Id, actor);
        return outcome.Issued.ShouldNotBeNull().CertificateId;
    }

    private static async Task<string> PoliciesAsync(TestData data, long certificateId) =>
        await OpensslJudge.TextAsync(await data.DbAsync(db => db.Certificates.Where(c => c.Id == certificateId).Select(c => c.Der).SingleAsync()));
}

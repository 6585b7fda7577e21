using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Ca.Revocation;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Devices;
using Qtsp.Portal.Features.Reminders;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Jobs;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;
using Pkcs10 = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace Qtsp.Portal.Tests.Cluster;

/// <summary>
/// Several portal instances on one database, as eng/cluster.sh runs them: each with a fake clock of its own, sharing one
/// data folder (the CA's token and certificates, the mail pickup folder). Every background job runs on all of them at
/// once, and each reminder, expiry revocation and mail still happens once; a run that lost its lease commits nothing;
/// the CA gives distinct serials and CRL numbers whichever instance signs.
/// </summary>
public sealed partial class ClusterJobsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    // The jobs' own timers are removed and the outbox waits an hour: every pass here is the test's.
    private static readonly string[] Quiet = ["--Reminders:CheckInterval", "01:00:00", "--Mail:PollInterval", "01:00:00", "--Devices:ExpiryCheckInterval", "1.00:00:00"];

    public static TheoryData<DatabaseProvider> Providers => new() { DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_run_whose_lease_expired_and_was_taken_by_another_instance_commits_nothing_more(DatabaseProvider provider)
    {
        var clock = new TestClock(Start);
        await using var server = await PortalServer.StartAsync(provider, services => services.AddSingleton<TimeProvider>(clock), Quiet);
        var factory = server.App.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var data = server.App.Services.GetRequiredService<DataAccess>();
        var paused = new JobLeases(factory, clock);
        var other = new JobLeases(factory, clock);
        const string job = "cluster-test";
        long? takenOver = null;

        var run = await paused.RunHoldingAsync(job, TimeSpan.FromMinutes(10), async (hold, cancellationToken) =>
        {
            // Held: neither another instance nor another run of this one enters.
            (await other.TryAcquireAsync(job, TimeSpan.FromMinutes(10), cancellationToken)).ShouldBeNull();
            (await paused.TryAcquireAsync(job, TimeSpan.FromMinutes(10), cancellationToken)).ShouldBeNull();

            // While the lease is held, the run's transactions commit.
            await data.RunInTransactionAsync(async db =>
            {
                await hold.ConfirmAsync(db, cancellationToken);
                db.OutboxMessages.Add(Mail("before@example.test"));
                return await db.SaveChangesAsync(cancellationToken);
            });

            // The instance stops for longer than the lease (a pause, a stalled disk); another instance takes the job.
            clock.Advance(TimeSpan.FromMinutes(11));
            takenOver = await other.TryAcquireAsync(job, TimeSpan.FromMinutes(10), cancellationToken);

            // Written and saved, but the lease is no longer this run's: the confirmation fails and nothing commits.
            await data.RunInTransactionAsync(async db =>
            {
                db.OutboxMessages.Add(Mail("after@example.test"));
                await db.SaveChangesAsync(cancellationToken);
                await hold.ConfirmAsync(db, cancellationToken);
                return true;
            });
            return "finished";
        });

        run.ShouldBeNull();
        takenOver.ShouldNotBeNull();
        var recipients = await data.RunAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.Kind == "cluster.test").Select(m => m.Recipient).ToListAsync());
        recipients.ShouldBe(["before@example.test"]);

        // The run that lost the lease gave back nothing of the new holder's: a third instance still cannot take it.
        (await new JobLeases(factory, clock).TryAcquireAsync(job, TimeSpan.FromMinutes(10))).ShouldBeNull();
        await other.ReleaseAsync(job, takenOver!.Value);
        (await new JobLeases(factory, clock).TryAcquireAsync(job, TimeSpan.FromMinutes(10))).ShouldBe(takenOver + 1);
    }

    [Fact]
    public async Task Two_instances_each_with_its_own_clock_running_every_job_at_once_remind_revoke_and_mail_exactly_once()
    {
        var clocks = new[] { new TestClock(Start), new TestClock(Start + TimeSpan.FromSeconds(3)) }; // one slightly ahead
        await using var first = await PortalServer.StartAsync(DatabaseProvider.PostgreSql, services => WithoutTimers(services, clocks[0]), Quiet);
        await using var second = await PortalServer.StartAsync(services => WithoutTimers(services, clocks[1]),
            [.. first.SameDatabaseArguments(), "--Portal:DataDirectory", first.DataDirectory, .. Quiet]);
        PortalServer[] instances = [first, second];
        var data = new TestData(first.App.Services);

        // Certificates ending in 22 to 24 days: each gets its 21-day and its 7-day reminder.
        var reminded = new List<Certificate>();
        for (var i = 0; i < 8; i++)
        {
            var holder = await data.ApplicantAsync(null, "Souběh", $"Držitel{i}");
            reminded.Add(await RecordAsync(data, holder, null, Start.AddDays(22 + (i % 3))));
        }

        // A device whose QSCD certification ends on the third day, with three holders' qualified certificates on it.
        var deviceHolder = await data.ApplicantAsync(null, "Zařízení", "Držitelka");
        var device = await data.DeviceAsync(deviceHolder, qscdUntil: DateOnly.FromDateTime(Start.UtcDateTime).AddDays(2));
        var onDevice = new List<Certificate>();
        for (var i = 0; i < 3; i++)
        {
            onDevice.Add(await RecordAsync(data, await data.ApplicantAsync(null, "Na", $"Zařízení{i}"), device, Start.AddYears(1)));
        }

        foreach (var day in new[] { 0, 1, 2, 3, 4, 15, 16, 17, 18 })
        {
            for (var i = 0; i < clocks.Length; i++)
            {
                clocks[i].Advance(Start + TimeSpan.FromDays(day) + TimeSpan.FromHours(1) + TimeSpan.FromSeconds(3 * i) - clocks[i].GetUtcNow());
            }

            for (var round = 0; round < 2; round++)
            {
                await Task.WhenAll(instances.SelectMany(instance => new Task[]
                {
                    Task.Run(() => PassAsync<ExpiryReminders>(instance, reminders => reminders.RunAsync())),
                    Task.Run(() => PassAsync<DeviceCertificationExpiry>(instance, expiry => expiry.RunAsync())),
                    Task.Run(() => instance.App.Services.GetRequiredService<OutboxSender>().SendDueAsync()),
                }));
            }
        }

        await Task.WhenAll(instances.Select(instance => Task.Run(() => instance.App.Services.GetRequiredService<OutboxSender>().SendDueAsync())));

        var recorded = await data.DbAsync(db => db.ExpiryReminders.AsNoTracking().Select(r => new { r.CertificateId, r.ThresholdDays }).ToListAsync());
        recorded.Select(r => (r.CertificateId, r.ThresholdDays)).ShouldBe(reminded.SelectMany(c => new[] { (c.Id, 21), (c.Id, 7) }), ignoreOrder: true);
        var outbox = await data.DbAsync(db => db.OutboxMessages.AsNoTracking().ToListAsync());
        outbox.Count(m => m.Kind == ExpiryReminders.MailKind).ShouldBe(reminded.Count * 2);
        outbox.Where(m => m.Kind == "certificate.revoked." + DeviceCertificationExpiry.JobName).Select(m => m.Recipient).ShouldBe(
            (await data.DbAsync(db => db.Applicants.AsNoTracking().Where(a => a.LastName.StartsWith("Zařízení")).Select(a => a.Email).ToListAsync())),
            ignoreOrder: true);
        outbox.ShouldAllBe(m => m.SentAtUtc != null);

        var audit = await data.AuditAsync();
        foreach (var certificate in onDevice)
        {
            audit.Count(a => a.Action == AuditActions.CertificateRevoked && a.Details!.Contains(certificate.SerialNumber, StringComparison.Ordinal)).ShouldBe(1);
        }

        audit.Count(a => a.Action == AuditActions.DeviceCertificationEnded).ShouldBe(1);
        audit.Count(a => a.Action == AuditActions.ExpiryReminderSent).ShouldBe(reminded.Count * 2);

        // Delivered into the shared pickup folder: every outbox message exactly once, whichever instance sent it.
        var pickup = first.App.Services.GetRequiredService<OutboxSender>().PickupDirectory;
        second.App.Services.GetRequiredService<OutboxSender>().PickupDirectory.ShouldBe(pickup);
        var delivered = Directory.GetFiles(pickup, "*.eml").Select(file => long.Parse(OutboxIdHeader().Match(File.ReadAllText(file)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        delivered.ShouldBe(outbox.Select(m => m.Id), ignoreOrder: true);
    }

    [Fact]
    public async Task Two_instances_signing_at_once_give_distinct_serials_and_distinct_increasing_crl_numbers()
    {
        await using var first = await PortalServer.StartAsync(DatabaseProvider.PostgreSql, null, Quiet);
        await using var second = await PortalServer.StartAsync(null, [.. first.SameDatabaseArguments(), "--Portal:DataDirectory", first.DataDirectory, .. Quiet]);
        PortalServer[] instances = [first, second];

        var issued = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var authority = instances[i % 2].App.Services.GetRequiredService<ICertificateAuthority>();
            var result = (await authority.IssueAsync(IssuanceRequests.Qualified(SubjectKeys.EcP256()))).ShouldBeOfType<IssuedCertificate>();
            using var parsed = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(result.Der);
            return (parsed.Issuer, parsed.SerialNumber);
        })));
        issued.Select(c => c.Issuer).Distinct().Count().ShouldBe(1); // one CA, whichever instance signed
        issued.Select(c => c.SerialNumber).Distinct().Count().ShouldBe(issued.Length);

        var published = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            instances[i % 2].App.Services.GetRequiredService<CrlPublisher>().PublishAsync(CaNames.Qualified))));
        var numbers = published.Select(c => c.Number).Order().ToList();
        numbers.Distinct().Count().ShouldBe(published.Length);

        // openssl reads the number each CRL carries; the one served is the highest.
        foreach (var crl in published)
        {
            var text = (await ProcessRunner.RunCheckedAsync("openssl", ["crl", "-inform", "DER", "-noout", "-text"], standardInput: crl.Der)).Output;
            CrlNumber().Match(text).Groups[1].Value.ShouldBe(crl.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        (await second.App.Services.GetRequiredService<CrlPublisher>().GetCurrentAsync(CaNames.Qualified)).ShouldNotBeNull().Number.ShouldBe(numbers[^1]);
    }

    private static OutboxMessage Mail(string recipient) => new()
    {
        Kind = "cluster.test",
        Recipient = recipient,
        Subject = "test",
        Body = "test",
        CreatedAtUtc = Start.UtcDateTime,
        NextAttemptAtUtc = Start.UtcDateTime.AddYears(1), // never sent by the portal's own outbox pass
    };

    private static void WithoutTimers(IServiceCollection services, TimeProvider clock)
    {
        services.AddSingleton(clock);
        var timers = services.Where(d => d.ImplementationType == typeof(ExpiryReminderJob) || d.ImplementationType == typeof(DeviceCertificationExpiryJob)).ToList();
        timers.Count.ShouldBe(2);
        foreach (var descriptor in timers)
        {
            services.Remove(descriptor);
        }
    }

    private static async Task PassAsync<TPass>(PortalServer instance, Func<TPass, Task> pass)
        where TPass : notnull
    {
        await using var scope = instance.App.Services.CreateAsyncScope();
        await pass(scope.ServiceProvider.GetRequiredService<TPass>());
    }

    /// <summary>A certificate of <paramref name="holder"/> ending at <paramref name="notAfter"/>, as the CA would have recorded it.</summary>
    private static async Task<Certificate> RecordAsync(TestData data, Applicant holder, SecureDevice? device, DateTimeOffset notAfter) =>
        await data.DbAsync(async db =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var issued = new Pkcs10($"CN={holder.FirstName} {holder.LastName}, SERIALNUMBER={TestData.Unique("PNOCZ-")}", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(notAfter.AddYears(-1), notAfter);
            var certificate = Certificate.FromIssued(issued, CertificateType.Qualified);
            certificate.ApplicantId = holder.Id;
            certificate.DeviceId = device?.Id;
            db.Certificates.Add(certificate);
            await db.SaveChangesAsync();
            return certificate;
        });

    [GeneratedRegex(@"X-Qtsp-Outbox-Id: (\d+)")]
    private static partial Regex OutboxIdHeader();

    [GeneratedRegex(@"X509v3 CRL Number:\s*\n\s*(\d+)")]
    private static partial Regex CrlNumber();
}

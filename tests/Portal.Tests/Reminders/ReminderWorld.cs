using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Reminders;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Pkcs10 = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace Qtsp.Portal.Tests.Reminders;

/// <summary>
/// A portal with a fake clock for the reminder tests: the job's own timer and the outbox's wait an hour, the tests run a
/// pass and deliver the outbox when the clock says so. Certificates are recorded with the end a test needs.
/// </summary>
public sealed class ReminderWorld : IAsyncDisposable
{
    /// <summary>A Monday morning in Prague.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private static readonly string[] Quiet = ["--Reminders:CheckInterval", "01:00:00", "--Mail:PollInterval", "01:00:00"];

    private ReminderWorld(PortalServer server, TestClock clock)
    {
        Server = server;
        Clock = clock;
        Data = new TestData(server.App.Services);
    }

    public PortalServer Server { get; }

    public TestClock Clock { get; }

    public TestData Data { get; }

    public static async Task<ReminderWorld> StartAsync(DatabaseProvider provider, params string[] arguments)
    {
        var clock = new TestClock(Start);
        var server = await PortalServer.StartAsync(provider, services => WithoutTimer(services, clock), [.. Quiet, .. arguments]);
        return new ReminderWorld(server, clock);
    }

    /// <summary>A second instance of this portal on the same PostgreSQL database and the same clock.</summary>
    public async Task<PortalServer> SecondInstanceAsync() =>
        await PortalServer.StartAsync(services => WithoutTimer(services, Clock), [.. Server.SameDatabaseArguments(), .. Quiet]);

    /// <summary>
    /// The fake clock, and no timer-driven pass: the job's first pass at start could otherwise run late on a loaded machine,
    /// after a test moved the clock, and send what the test's own pass is meant to send. Every pass here is the test's.
    /// </summary>
    private static void WithoutTimer(IServiceCollection services, TimeProvider clock)
    {
        services.AddSingleton(clock);
        var timer = services.Where(d => d.ImplementationType == typeof(ExpiryReminderJob)).ToList();
        timer.Count.ShouldBe(1);
        foreach (var descriptor in timer)
        {
            services.Remove(descriptor);
        }
    }

    public static async Task<ReminderRun?> RunAsync(PortalServer server)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ExpiryReminders>().RunAsync();
    }

    /// <summary>A pass on this instance; its own timer's pass at start may hold the lease a moment, so a refused lease is tried again.</summary>
    public async Task<ReminderRun> RunAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await RunAsync(Server) is { } run)
            {
                return run;
            }

            attempt.ShouldBeLessThan(50, "the lease stays taken");
            await Task.Delay(100);
        }
    }

    public void AdvanceTo(TimeSpan sinceStart)
    {
        var by = Start + sinceStart - Clock.GetUtcNow();
        by.ShouldBeGreaterThanOrEqualTo(TimeSpan.Zero);
        Clock.Advance(by);
    }

    /// <summary>A certificate of <paramref name="holder"/> ending at <paramref name="notAfter"/>, as the CA would have recorded it.</summary>
    public async Task<Certificate> CertificateAsync(Applicant holder, SecureDevice? device, CertificateType type, DateTimeOffset notAfter, bool revoked = false) =>
        await Data.DbAsync(async db =>
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var issued = new Pkcs10($"CN={holder.FirstName} {holder.LastName}, SERIALNUMBER={TestData.Unique("PNOCZ-")}", key, HashAlgorithmName.SHA256)
                .CreateSelfSigned(notAfter.AddYears(-1), notAfter);
            var certificate = Certificate.FromIssued(issued, type);
            certificate.ApplicantId = holder.Id;
            certificate.DeviceId = device?.Id;
            if (revoked)
            {
                certificate.Status = CertificateStatus.Revoked;
                certificate.RevokedAtUtc = Clock.GetUtcNow().UtcDateTime;
                certificate.RevocationReason = RevocationReason.Superseded;
            }

            db.Certificates.Add(certificate);
            await db.SaveChangesAsync();
            return certificate;
        });

    public Task<List<OutboxMessage>> MailsAsync(string kind) =>
        Data.DbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.Kind == kind).OrderBy(m => m.Id).ToListAsync());

    /// <summary>Delivers the outbox through the portal's own sender (to its pickup folder unless SMTP is configured).</summary>
    public async Task<int> DeliverAsync() => await Server.App.Services.GetRequiredService<OutboxSender>().SendDueAsync();

    public Eml[] Delivered() =>
        Directory.GetFiles(Server.App.Services.GetRequiredService<OutboxSender>().PickupDirectory, "*.eml").Order(StringComparer.Ordinal).Select(Eml.Read).ToArray();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

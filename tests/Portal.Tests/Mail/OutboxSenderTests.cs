using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Mail;

/// <summary>The outbox: delivered once (also by several instances at a time), retried with the error kept when delivery fails.</summary>
public sealed class OutboxSenderTests
{
    private static async Task<long[]> EnqueueAsync(TestData data, int count, TimeProvider? time = null) => await data.DbAsync(async db =>
    {
        var outbox = new MailOutbox(time ?? TimeProvider.System);
        var messages = Enumerable.Range(0, count)
            .Select(i => outbox.Enqueue(db, "test", $"customer{i}@example.cz", new MailText("Předmět", "Subject"), new MailText($"Tělo {i} – žluťoučký kůň", $"Body {i}")))
            .ToArray();
        await db.SaveChangesAsync();
        return messages.Select(m => m.Id).ToArray();
    });

    [Fact]
    public async Task Without_smtp_each_message_becomes_one_eml_file_even_with_two_instances_sending_at_once()
    {
        await using var server = await PortalServer.StartAsync("--Mail:PollInterval", "01:00:00");
        var data = new TestData(server.App.Services);
        var ids = await EnqueueAsync(data, 12);
        var first = server.App.Services.GetRequiredService<OutboxSender>();
        var second = ActivatorUtilities.CreateInstance<OutboxSender>(server.App.Services);

        var sent = await Task.WhenAll(first.SendDueAsync(), second.SendDueAsync(), first.SendDueAsync());

        sent.Sum().ShouldBe(ids.Length);
        var files = Directory.GetFiles(first.PickupDirectory, "*.eml").Select(Eml.Read).ToArray();
        files.Length.ShouldBe(ids.Length);
        files.Select(f => f.Headers.Split('\n').Single(h => h.StartsWith("X-Qtsp-Outbox-Id:", StringComparison.Ordinal))).Distinct().Count().ShouldBe(ids.Length);
        files.ShouldContain(f => f.Body.Contains("Tělo 3 – žluťoučký kůň", StringComparison.Ordinal) && f.Body.Contains("Body 3", StringComparison.Ordinal));
        (await data.DbAsync(db => db.OutboxMessages.Where(m => ids.Contains(m.Id)).ToListAsync())).ShouldAllBe(m => m.SentAtUtc != null && m.Attempts == 1);
        (await first.SendDueAsync()).ShouldBe(0, "nothing is sent twice");
    }

    [Fact]
    public async Task A_failed_delivery_keeps_the_message_with_its_error_and_tries_again_later()
    {
        var port = Qtsp.Portal.Tests.Hosting.PortalSessionPorts.Closed();
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var server = await PortalServer.StartAsync(services => services.AddSingleton<TimeProvider>(clock),
            "--Mail:SmtpHost", "127.0.0.1", "--Mail:SmtpPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--Mail:SmtpTls", "false",
            "--Mail:PollInterval", "01:00:00");
        var data = new TestData(server.App.Services);
        var id = (await EnqueueAsync(data, 1, clock)).Single();
        var sender = server.App.Services.GetRequiredService<OutboxSender>();

        (await sender.SendDueAsync()).ShouldBe(0);

        var failed = await data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Id == id));
        failed.SentAtUtc.ShouldBeNull();
        failed.Attempts.ShouldBe(1);
        failed.LastError.ShouldNotBeNull().ShouldStartWith("SmtpException");
        failed.LastError.ShouldNotContain("Tělo");
        failed.NextAttemptAtUtc.ShouldBe(clock.GetUtcNow().UtcDateTime + OutboxSender.Backoff(1), TimeSpan.FromSeconds(5));
        (await sender.SendDueAsync()).ShouldBe(0, "not before the pause is over");
        (await data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Id == id))).Attempts.ShouldBe(1);

        clock.Advance(OutboxSender.Backoff(1) + TimeSpan.FromSeconds(1));
        await sender.SendDueAsync();
        (await data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Id == id))).Attempts.ShouldBe(2);
        OutboxSender.Backoff(2).ShouldBe(TimeSpan.FromMinutes(2));
        OutboxSender.Backoff(30).ShouldBe(TimeSpan.FromHours(1));
    }
}

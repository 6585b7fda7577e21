using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Mail;

/// <summary>
/// The outbox: delivered once (also by several instances at a time), to the pickup folder or over SMTP to a real server
/// (<see cref="TestSmtpServer"/>), retried with the error kept when delivery fails.
/// </summary>
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
        files.ShouldContain(f => f.Headers.StartsWith("X-Sender: portal@qtsp.invalid\nX-Receiver: customer3@example.cz\n", StringComparison.Ordinal));
        (await data.DbAsync(db => db.OutboxMessages.Where(m => ids.Contains(m.Id)).ToListAsync())).ShouldAllBe(m => m.SentAtUtc != null && m.Attempts == 1);
        (await first.SendDueAsync()).ShouldBe(0, "nothing is sent twice");
    }

    [Fact]
    public async Task A_recipient_that_is_no_address_is_kept_with_the_error_and_the_others_still_go_out()
    {
        await using var server = await PortalServer.StartAsync("--Mail:PollInterval", "01:00:00");
        var data = new TestData(server.App.Services);
        var good = await EnqueueAsync(data, 1);
        var bad = await data.DbAsync(async db =>
        {
            var message = new MailOutbox(TimeProvider.System).Enqueue(db, "test", "not an address", new MailText("P", "S"), new MailText("T", "B"));
            await db.SaveChangesAsync();
            return message.Id;
        });
        var sender = server.App.Services.GetRequiredService<OutboxSender>();

        (await sender.SendDueAsync()).ShouldBe(1);

        var kept = await data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Id == bad));
        kept.SentAtUtc.ShouldBeNull();
        kept.LockedUntilUtc.ShouldBeNull();
        kept.LastError.ShouldNotBeNull().ShouldStartWith("ParseException");
        (await data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Id == good[0]))).SentAtUtc.ShouldNotBeNull();
    }

    private static string[] SmtpSettings(int port, params string[] more) =>
    [
        "--Mail:SmtpHost", "127.0.0.1", "--Mail:SmtpPort", port.ToString(CultureInfo.InvariantCulture), "--Mail:SmtpTls", "false",
        "--Mail:From", "portal@qtsp.example", "--Mail:PollInterval", "01:00:00", .. more,
    ];

    private static Task<List<OutboxMessage>> OutboxAsync(TestData data, long[] ids) =>
        data.DbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => ids.Contains(m.Id)).OrderBy(m => m.Id).ToListAsync());

    [Fact]
    public async Task Over_smtp_each_message_is_delivered_once_as_written()
    {
        var port = PortalSessionPorts.Closed();
        await using var smtp = await TestSmtpServer.StartAsync(port);
        await using var server = await PortalServer.StartAsync(SmtpSettings(port));
        var data = new TestData(server.App.Services);
        var ids = await EnqueueAsync(data, 3);
        var sender = server.App.Services.GetRequiredService<OutboxSender>();

        (await sender.SendDueAsync()).ShouldBe(3);

        var received = smtp.Received();
        received.Count.ShouldBe(3);
        received.Select(r => r.Message.Headers[OutboxMime.OutboxIdHeader]).ShouldBe(ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));
        var first = received[0];
        first.MailFrom.ShouldBe("portal@qtsp.example");
        first.Recipients.ShouldBe(["customer0@example.cz"]);
        first.Tls.ShouldBeFalse();
        first.Message.Subject.ShouldBe("Předmět / Subject");
        first.Message.TextBody.ShouldNotBeNull().ShouldContain("Tělo 0 – žluťoučký kůň");
        first.Message.TextBody.ShouldContain("Body 0");
        first.Message.MessageId.ShouldStartWith($"outbox-{ids[0]}.");
        (await OutboxAsync(data, ids)).ShouldAllBe(m => m.SentAtUtc != null && m.Attempts == 1 && m.LastError == null);
        (await sender.SendDueAsync()).ShouldBe(0);
        smtp.Received().Count.ShouldBe(3, "nothing is sent twice");
    }

    [Fact]
    public async Task A_pass_held_up_past_its_claim_does_not_record_over_the_instance_that_took_the_message_over()
    {
        var port = PortalSessionPorts.Closed();
        var hold = RepositoryPaths.NewTemporaryDirectory("smtp-hold");
        try
        {
            await using var smtp = await TestSmtpServer.StartAsync(port, new SmtpServerBehaviour { HoldDataIn = hold });
            var clock = new TestClock();
            await using var server = await PortalServer.StartAsync(services => services.AddSingleton<TimeProvider>(clock), SmtpSettings(port));
            var data = new TestData(server.App.Services);
            var ids = await EnqueueAsync(data, 1, clock);
            var slow = server.App.Services.GetRequiredService<OutboxSender>();

            // This instance claims the message and hands it to the SMTP server, which keeps it waiting.
            var slowPass = slow.SendDueAsync();
            for (var waited = 0; !File.Exists(Path.Combine(hold, "holding")); waited++)
            {
                waited.ShouldBeLessThan(200, "the message reaches the SMTP server");
                await Task.Delay(50);
            }

            // Its claim runs out; another instance (writing to the pickup folder) claims the message and sends it.
            clock.Advance(TimeSpan.FromMinutes(3));
            var other = ActivatorUtilities.CreateInstance<OutboxSender>(server.App.Services, Microsoft.Extensions.Options.Options.Create(new MailOptions { From = "portal@qtsp.example" }));
            (await other.SendDueAsync()).ShouldBe(1);

            // The first pass's server answers at last: the message is not recorded a second time (the claim is not its own).
            await File.WriteAllTextAsync(Path.Combine(hold, "release"), "");
            (await slowPass).ShouldBe(0);
            var row = (await OutboxAsync(data, ids)).ShouldHaveSingleItem();
            row.SentAtUtc.ShouldBe(clock.GetUtcNow().UtcDateTime);
            row.Attempts.ShouldBe(1);
            row.LockedUntilUtc.ShouldBeNull();
            (await slow.SendDueAsync()).ShouldBe(0);
            (await other.SendDueAsync()).ShouldBe(0);

            // Both copies carry the same Message-ID, so the recipient's mail system sees one message.
            var picked = Eml.Read(Directory.GetFiles(other.PickupDirectory, "*.eml").ShouldHaveSingleItem());
            smtp.Received().ShouldHaveSingleItem().Message.MessageId.ShouldStartWith($"outbox-{ids[0]}.");
            picked.Headers.ShouldContain($"Message-Id: <{smtp.Received()[0].Message.MessageId}>", Case.Insensitive);
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(hold);
        }
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "recipient", "550" },
        { "data", "554" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_refused_message_stays_queued_with_the_servers_answer_and_is_retried_with_a_growing_pause(string refused, string code)
    {
        var port = PortalSessionPorts.Closed();
        var behaviour = refused == "recipient" ? new SmtpServerBehaviour { RefuseRecipientsStartingWith = "customer0@" } : new SmtpServerBehaviour { RefuseData = true };
        await using var smtp = await TestSmtpServer.StartAsync(port, behaviour);
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var server = await PortalServer.StartAsync(services => services.AddSingleton<TimeProvider>(clock), SmtpSettings(port));
        var data = new TestData(server.App.Services);
        var ids = await EnqueueAsync(data, 2, clock);
        var sender = server.App.Services.GetRequiredService<OutboxSender>();

        var sent = await sender.SendDueAsync();

        var refusedMessage = (await OutboxAsync(data, ids))[0];
        refusedMessage.SentAtUtc.ShouldBeNull();
        refusedMessage.Attempts.ShouldBe(1);
        refusedMessage.LastError.ShouldNotBeNull().ShouldStartWith($"SmtpCommandException {code}");
        refusedMessage.LastError.ShouldNotContain("Tělo");
        refusedMessage.NextAttemptAtUtc.ShouldBe(clock.GetUtcNow().UtcDateTime + OutboxSender.Backoff(1));
        // The session survives a refusal: the other message went out (unless the server refuses every DATA).
        sent.ShouldBe(refused == "recipient" ? 1 : 0);
        smtp.Received().Count.ShouldBe(sent);

        (await sender.SendDueAsync()).ShouldBe(0);
        (await OutboxAsync(data, ids))[0].Attempts.ShouldBe(1, "not before the pause is over");

        clock.Advance(OutboxSender.Backoff(1) + TimeSpan.FromSeconds(1));
        await sender.SendDueAsync();
        var retried = (await OutboxAsync(data, ids))[0];
        retried.Attempts.ShouldBe(2);
        retried.SentAtUtc.ShouldBeNull();
        retried.NextAttemptAtUtc.ShouldBe(clock.GetUtcNow().UtcDateTime + OutboxSender.Backoff(2));
        OutboxSender.Backoff(2).ShouldBe(TimeSpan.FromMinutes(2));
        OutboxSender.Backoff(30).ShouldBe(TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task While_the_server_is_down_messages_stay_queued_and_once_it_is_up_each_goes_out_exactly_once()
    {
        var port = PortalSessionPorts.Closed();
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var server = await PortalServer.StartAsync(services => services.AddSingleton<TimeProvider>(clock), SmtpSettings(port));
        var data = new TestData(server.App.Services);
        var ids = await EnqueueAsync(data, 5, clock);
        var sender = server.App.Services.GetRequiredService<OutboxSender>();

        (await sender.SendDueAsync()).ShouldBe(0);
        (await sender.SendDueAsync()).ShouldBe(0);

        var waiting = await OutboxAsync(data, ids);
        waiting.Count.ShouldBe(5);
        waiting.ShouldAllBe(m => m.SentAtUtc == null && m.LockedUntilUtc == null);
        waiting.Where(m => m.Attempts > 0).ShouldAllBe(m => m.LastError!.StartsWith("SocketException", StringComparison.Ordinal));
        waiting.Sum(m => m.Attempts).ShouldBe(2, "a pass that cannot connect stops at its first message; the others wait untouched");

        await using (var smtp = await TestSmtpServer.StartAsync(port))
        {
            clock.Advance(OutboxSender.Backoff(1) + TimeSpan.FromSeconds(1));
            (await sender.SendDueAsync()).ShouldBe(5);
            (await sender.SendDueAsync()).ShouldBe(0);

            var received = smtp.Received();
            received.Select(r => r.Message.Headers[OutboxMime.OutboxIdHeader]).ShouldBe(ids.Select(id => id.ToString(CultureInfo.InvariantCulture)), ignoreOrder: true);
            (await OutboxAsync(data, ids)).ShouldAllBe(m => m.SentAtUtc != null && m.LastError == null);
        }
    }

    [Fact]
    public async Task With_starttls_and_a_login_the_message_is_delivered_and_a_wrong_password_is_refused_without_being_written_anywhere()
    {
        using var certificate = await TestCertificate.CreateAsync();
        const string password = "Smtp-Secret-7f3a9c";
        const string wrongPassword = "Wrong-Secret-2b8e41";
        var port = PortalSessionPorts.Closed();
        await using var smtp = await TestSmtpServer.StartAsync(port, new SmtpServerBehaviour { Tls = certificate, Login = ("portal", password) });
        var logs = new LogCapture();
        string[] tls = ["--Mail:SmtpTls", "true", "--Mail:SmtpUser", "portal", "--Mail:SmtpTrustedCertificate", certificate.CertificatePath,
            "--Logging:LogLevel:Default", "Trace"];

        await using (var server = await PortalServer.StartAsync(LogCapture.Into(logs), SmtpSettings(port, [.. tls, "--Mail:SmtpPassword", password])))
        {
            var ids = await EnqueueAsync(new TestData(server.App.Services), 1);
            (await server.App.Services.GetRequiredService<OutboxSender>().SendDueAsync()).ShouldBe(1);
            var received = smtp.Received().ShouldHaveSingleItem();
            received.Tls.ShouldBeTrue();
            received.Authenticated.ShouldBeTrue();
            received.Login.ShouldBe("portal");
            received.Message.Headers[OutboxMime.OutboxIdHeader].ShouldBe(ids[0].ToString(CultureInfo.InvariantCulture));
        }

        await using (var server = await PortalServer.StartAsync(LogCapture.Into(logs), SmtpSettings(port, [.. tls, "--Mail:SmtpPassword", wrongPassword])))
        {
            var data = new TestData(server.App.Services);
            var ids = await EnqueueAsync(data, 1);
            (await server.App.Services.GetRequiredService<OutboxSender>().SendDueAsync()).ShouldBe(0);
            var refused = (await OutboxAsync(data, ids)).Single();
            refused.SentAtUtc.ShouldBeNull();
            refused.LastError.ShouldNotBeNull().ShouldStartWith("AuthenticationException");
            refused.LastError.ShouldNotContain(wrongPassword);
        }

        smtp.Received().Count.ShouldBe(1);
        logs.Text.ShouldContain("not sent");
        logs.Text.ShouldNotContain(password);
        logs.Text.ShouldNotContain(wrongPassword);
    }

    [Fact]
    public async Task A_server_without_starttls_gets_nothing_when_tls_is_required()
    {
        var port = PortalSessionPorts.Closed();
        await using var smtp = await TestSmtpServer.StartAsync(port);
        await using var server = await PortalServer.StartAsync(SmtpSettings(port, "--Mail:SmtpTls", "true"));
        var data = new TestData(server.App.Services);
        var ids = await EnqueueAsync(data, 1);

        (await server.App.Services.GetRequiredService<OutboxSender>().SendDueAsync()).ShouldBe(0);

        (await OutboxAsync(data, ids)).Single().LastError.ShouldNotBeNull().ShouldContain("STARTTLS");
        smtp.Received().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_server_certificate_that_does_not_chain_to_the_trusted_one_is_refused_and_the_message_waits()
    {
        using var serverCertificate = await TestCertificate.CreateAsync();
        using var otherCertificate = await TestCertificate.CreateAsync();
        var port = PortalSessionPorts.Closed();
        await using var smtp = await TestSmtpServer.StartAsync(port, new SmtpServerBehaviour { Tls = serverCertificate });
        await using var server = await PortalServer.StartAsync(SmtpSettings(port, "--Mail:SmtpTls", "true", "--Mail:SmtpTrustedCertificate", otherCertificate.CertificatePath));
        var data = new TestData(server.App.Services);
        var ids = await EnqueueAsync(data, 1);

        (await server.App.Services.GetRequiredService<OutboxSender>().SendDueAsync()).ShouldBe(0);

        (await OutboxAsync(data, ids)).Single().LastError.ShouldNotBeNull().ShouldStartWith("SslHandshakeException");
        smtp.Received().ShouldBeEmpty();
    }
}

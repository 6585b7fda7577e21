using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Reminders;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Reminders;

/// <summary>
/// Expiry reminders with a fake clock on SQLite and PostgreSQL: each certificate is reminded at 21 and at 7 days before
/// its end, once each; a qualified and a commercial certificate on the same device (Twins) share one mail, qualified
/// first; revoked and renewed certificates are left alone; the mails go through the real outbox.
/// </summary>
public sealed class ExpiryReminderTests
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Each_certificate_is_reminded_at_21_and_7_days_once_and_twins_share_one_mail_with_the_qualified_first(DatabaseProvider provider)
    {
        await using var world = await ReminderWorld.StartAsync(provider);
        var data = world.Data;
        var start = ReminderWorld.Start;
        var twinsHolder = await data.ApplicantAsync(null, "Jan", "Dvojčata");
        var device = await data.DeviceAsync(twinsHolder);
        var qualified = await world.CertificateAsync(twinsHolder, device, CertificateType.Qualified, start.AddDays(27)); // 20. 12. 2026, 9:00 in Prague
        var commercial = await world.CertificateAsync(twinsHolder, device, CertificateType.Commercial, start.AddDays(27).AddHours(5));
        var single = await data.ApplicantAsync(null, "Eva", "Samostatná");
        var alone = await world.CertificateAsync(single, null, CertificateType.Qualified, start.AddDays(25));
        var revokedHolder = await data.ApplicantAsync(null, "Petr", "Zneplatněný");
        var revoked = await world.CertificateAsync(revokedHolder, null, CertificateType.Qualified, start.AddDays(25), revoked: true);
        var renewedHolder = await data.ApplicantAsync(null, "Olga", "Obnovená");
        var renewed = await world.CertificateAsync(renewedHolder, null, CertificateType.Qualified, start.AddDays(25));
        await world.CertificateAsync(renewedHolder, null, CertificateType.Qualified, start.AddDays(25 + 365));
        var blockedHolder = await data.ApplicantAsync(null, "Karel", "Blokovaný", blocked: true);
        var blocked = await world.CertificateAsync(blockedHolder, null, CertificateType.Qualified, start.AddDays(25));

        // 25 and 27 days before: nothing is due.
        (await world.RunAsync()).ShouldBe(new ReminderRun(0, 0, 0));

        // 21 days before the single certificate's end: its reminder, once however often the job runs.
        world.AdvanceTo(TimeSpan.FromDays(4));
        (await world.RunAsync()).ShouldBe(new ReminderRun(1, 1, 0));
        (await world.RunAsync()).ShouldBe(new ReminderRun(0, 0, 0));

        // The qualified twin crosses 21 days; the commercial one, 5 hours later, comes along in the same mail.
        world.AdvanceTo(TimeSpan.FromDays(6) + TimeSpan.FromHours(1));
        (await world.RunAsync()).ShouldBe(new ReminderRun(2, 1, 0));
        world.AdvanceTo(TimeSpan.FromDays(6) + TimeSpan.FromHours(6));
        (await world.RunAsync()).ShouldBe(new ReminderRun(0, 0, 0), "the commercial twin was reminded at 21 days already");

        // 7 days before each end.
        world.AdvanceTo(TimeSpan.FromDays(18));
        (await world.RunAsync()).ShouldBe(new ReminderRun(1, 1, 0));
        world.AdvanceTo(TimeSpan.FromDays(20) + TimeSpan.FromHours(1));
        (await world.RunAsync()).ShouldBe(new ReminderRun(2, 1, 0));
        world.AdvanceTo(TimeSpan.FromDays(26));
        (await world.RunAsync()).ShouldBe(new ReminderRun(0, 0, 0));

        var recorded = await data.DbAsync(db => db.ExpiryReminders.AsNoTracking().Select(r => new { r.CertificateId, r.ThresholdDays }).ToListAsync());
        recorded.Select(r => (r.CertificateId, r.ThresholdDays)).ShouldBe(
            [(alone.Id, 21), (alone.Id, 7), (qualified.Id, 21), (commercial.Id, 21), (qualified.Id, 7), (commercial.Id, 7)], ignoreOrder: true);
        recorded.ShouldNotContain(r => r.CertificateId == revoked.Id || r.CertificateId == renewed.Id || r.CertificateId == blocked.Id);

        var mails = await world.MailsAsync(ExpiryReminders.MailKind);
        mails.Select(m => m.Recipient).ShouldBe([single.Email, twinsHolder.Email, single.Email, twinsHolder.Email]);
        var audit = await data.AuditAsync();
        audit.Where(a => a.Action == AuditActions.ExpiryReminderSent).Select(a => a.Subject).ShouldBe(
            [AuditSubjects.Certificate(alone.Id), AuditSubjects.Certificate(qualified.Id), AuditSubjects.Certificate(commercial.Id),
             AuditSubjects.Certificate(alone.Id), AuditSubjects.Certificate(qualified.Id), AuditSubjects.Certificate(commercial.Id)]);
        audit.Where(a => a.Action == AuditActions.ExpiryReminderSent).ShouldAllBe(a => a.Actor == ExpiryReminders.SystemActor);

        // Delivered as written: one mail for the twins, in both languages, the qualified certificate and its link first.
        (await world.DeliverAsync()).ShouldBe(4);
        var twinsMail = world.Delivered().Where(m => m.Headers.Contains($"X-Receiver: {twinsHolder.Email}", StringComparison.Ordinal)).ToArray();
        twinsMail.Length.ShouldBe(2);
        foreach (var mail in twinsMail)
        {
            var (czech, english) = Halves(mail.Body);
            foreach (var (half, qualifiedWord, commercialWord) in new[] { (czech, "Kvalifikovaný certifikát", "Komerční certifikát"), (english, "Qualified certificate", "Commercial certificate") })
            {
                half.IndexOf(qualifiedWord, StringComparison.Ordinal).ShouldBeGreaterThanOrEqualTo(0, half);
                half.IndexOf(qualified.SerialNumber, StringComparison.Ordinal).ShouldBeLessThan(half.IndexOf(commercial.SerialNumber, StringComparison.Ordinal));
                half.IndexOf(qualifiedWord, StringComparison.Ordinal).ShouldBeLessThan(half.IndexOf(commercialWord, StringComparison.Ordinal));
                RenewalLinkTests.Links(half).Length.ShouldBe(2);
            }
        }

        twinsMail[0].Body.ShouldContain("20.12.2026 9:00 (UTC+1)");
        twinsMail[0].Body.ShouldContain("12/20/2026 9:00");
        (await data.DbAsync(db => db.RenewalLinks.CountAsync())).ShouldBe(6);
    }

    [Fact]
    public async Task Two_instances_on_one_PostgreSQL_racing_send_each_reminder_exactly_once()
    {
        await using var world = await ReminderWorld.StartAsync(DatabaseProvider.PostgreSql);
        await using var second = await world.SecondInstanceAsync();
        var start = ReminderWorld.Start;
        var certificates = new List<Certificate>();
        for (var i = 0; i < 12; i++)
        {
            var holder = await world.Data.ApplicantAsync(null, "Souběh", $"Držitel{i}");
            certificates.Add(await world.CertificateAsync(holder, null, CertificateType.Qualified, start.AddDays(22 + i % 3)));
        }

        var runs = new List<ReminderRun?>();
        foreach (var day in new[] { 0, 1, 2, 3, 4, 15, 16, 17, 18 })
        {
            world.AdvanceTo(TimeSpan.FromDays(day) + TimeSpan.FromHours(1));
            for (var round = 0; round < 3; round++)
            {
                runs.AddRange(await Task.WhenAll(
                    Task.Run(() => ReminderWorld.RunAsync(world.Server)), Task.Run(() => ReminderWorld.RunAsync(second)),
                    Task.Run(() => ReminderWorld.RunAsync(second)), Task.Run(() => ReminderWorld.RunAsync(world.Server))));
            }
        }

        runs.Sum(r => r?.Mails ?? 0).ShouldBe(certificates.Count * 2);
        var mails = await world.MailsAsync(ExpiryReminders.MailKind);
        mails.Count.ShouldBe(certificates.Count * 2);
        mails.GroupBy(m => m.Recipient).ShouldAllBe(g => g.Count() == 2);
        var recorded = await world.Data.DbAsync(db => db.ExpiryReminders.AsNoTracking().ToListAsync());
        recorded.Select(r => (r.CertificateId, r.ThresholdDays)).ShouldBe(
            certificates.SelectMany(c => new[] { (c.Id, 21), (c.Id, 7) }), ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_database_itself_refuses_a_second_record_of_the_same_certificate_and_threshold(DatabaseProvider provider)
    {
        await using var world = await ReminderWorld.StartAsync(provider);
        var holder = await world.Data.ApplicantAsync(null);
        var certificate = await world.CertificateAsync(holder, null, CertificateType.Qualified, ReminderWorld.Start.AddDays(10));
        await world.Data.DbAsync(async db =>
        {
            db.ExpiryReminders.Add(new ExpiryReminder { CertificateId = certificate.Id, ThresholdDays = 21, SentAtUtc = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });

        var refused = await Should.ThrowAsync<DbUpdateException>(() => world.Data.DbAsync(async db =>
        {
            db.ExpiryReminders.Add(new ExpiryReminder { CertificateId = certificate.Id, ThresholdDays = 21, SentAtUtc = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        }));
        Portal.Infrastructure.DataAccess.IsUniqueViolation(refused).ShouldBeTrue();

        // The recorded 21-day reminder is not sent; the 7-day one is a record of its own, sent once when due.
        (await world.RunAsync()).ShouldBe(new ReminderRun(0, 0, 0));
        world.AdvanceTo(TimeSpan.FromDays(3) + TimeSpan.FromHours(1));
        (await world.RunAsync()).ShouldBe(new ReminderRun(1, 1, 0));
        (await world.RunAsync()).ShouldBe(new ReminderRun(0, 0, 0));
        (await world.Data.DbAsync(db => db.ExpiryReminders.Where(r => r.CertificateId == certificate.Id).Select(r => r.ThresholdDays).ToListAsync()))
            .ShouldBe([21, 7], ignoreOrder: true);
    }

    /// <summary>The Czech and the English half of a bilingual mail (MailOutbox puts a signature separator between them).</summary>
    internal static (string Czech, string English) Halves(string body)
    {
        var separator = body.IndexOf("\n-- \n", StringComparison.Ordinal);
        separator.ShouldBeGreaterThan(0);
        return (body[..separator], body[separator..]);
    }
}

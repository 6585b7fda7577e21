using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Reminders;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Reminders;

/// <summary>
/// The representatives' weekly digest with a fake clock on SQLite and PostgreSQL: each representative gets their own
/// organisation's applicants' certificates ending within 30 days, once a week.
/// </summary>
public sealed class RepresentativeDigestTests
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Each_representative_gets_their_organisations_certificates_ending_within_30_days_once_a_week(DatabaseProvider provider)
    {
        // The start is a Monday; the digest day is set so that the test does not depend on the default.
        await using var world = await ReminderWorld.StartAsync(provider, "--Reminders:DigestDay", "Monday", "--Reminders:DaysBefore:0", "2");
        var data = world.Data;
        var start = ReminderWorld.Start;
        var ours = await data.OrganisationAsync();
        var theirs = await data.OrganisationAsync();
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, ours);
        var colleague = await data.AccountAsync(PortalRoles.CompanyRepresentative, ours);
        var otherRepresentative = await data.AccountAsync(PortalRoles.CompanyRepresentative, theirs);
        var soon = await world.CertificateAsync(await data.ApplicantAsync(ours, "Alena", "Brzká"), null, CertificateType.Qualified, start.AddDays(10));
        var sooner = await world.CertificateAsync(await data.ApplicantAsync(ours, "Bohdan", "Dřívější"), null, CertificateType.Commercial, start.AddDays(9));
        var later = await world.CertificateAsync(await data.ApplicantAsync(ours, "Cyril", "Pozdní"), null, CertificateType.Qualified, start.AddDays(40));
        var revoked = await world.CertificateAsync(await data.ApplicantAsync(ours, "Dana", "Zneplatněná"), null, CertificateType.Qualified, start.AddDays(8), revoked: true);
        var elsewhere = await world.CertificateAsync(await data.ApplicantAsync(theirs, "Emil", "Jinde"), null, CertificateType.Qualified, start.AddDays(5));

        (await world.RunAsync()).Digests.ShouldBe(3);
        (await world.RunAsync()).Digests.ShouldBe(0);
        world.AdvanceTo(TimeSpan.FromDays(3));
        (await world.RunAsync()).Digests.ShouldBe(0, "once a week");

        var mails = await world.MailsAsync(RepresentativeDigests.MailKind);
        mails.Select(m => m.Recipient).ShouldBe([$"{representative.UserName}@example.cz", $"{colleague.UserName}@example.cz", $"{otherRepresentative.UserName}@example.cz"], ignoreOrder: true);
        foreach (var mail in mails.Where(m => m.Recipient != $"{otherRepresentative.UserName}@example.cz"))
        {
            var (czech, english) = ExpiryReminderTests.Halves(mail.Body);
            foreach (var half in new[] { czech, english })
            {
                half.ShouldContain(ours.Name);
                half.IndexOf(sooner.SerialNumber, StringComparison.Ordinal).ShouldBeGreaterThanOrEqualTo(0);
                half.IndexOf(sooner.SerialNumber, StringComparison.Ordinal).ShouldBeLessThan(half.IndexOf(soon.SerialNumber, StringComparison.Ordinal), "earliest first");
                half.ShouldContain("Bohdan Dřívější");
                half.ShouldNotContain(later.SerialNumber);
                half.ShouldNotContain(revoked.SerialNumber);
                half.ShouldNotContain(elsewhere.SerialNumber);
            }
        }

        var theirMail = mails.Single(m => m.Recipient == $"{otherRepresentative.UserName}@example.cz");
        theirMail.Body.ShouldContain(elsewhere.SerialNumber);
        theirMail.Body.ShouldNotContain(soon.SerialNumber);

        // The next Monday: the other organisation's certificate has ended, so only ours get a digest, again once.
        world.AdvanceTo(TimeSpan.FromDays(7) + TimeSpan.FromHours(1));
        (await world.RunAsync()).Digests.ShouldBe(2);
        (await world.RunAsync()).Digests.ShouldBe(0);
        var weeks = await data.DbAsync(db => db.ExpiryDigests.AsNoTracking().Select(d => new { d.RepresentativeUserId, d.WeekOf }).ToListAsync());
        weeks.Select(w => (w.RepresentativeUserId, w.WeekOf)).ShouldBe(
            [
                (representative.UserId, new DateOnly(2026, 11, 23)), (colleague.UserId, new DateOnly(2026, 11, 23)), (otherRepresentative.UserId, new DateOnly(2026, 11, 23)),
                (representative.UserId, new DateOnly(2026, 11, 30)), (colleague.UserId, new DateOnly(2026, 11, 30)),
            ], ignoreOrder: true);
        (await data.AuditAsync()).Count(a => a.Action == AuditActions.ExpiryDigestSent).ShouldBe(5);
    }

    [Theory]
    [InlineData(2026, 11, 23, DayOfWeek.Monday, 2026, 11, 23)]
    [InlineData(2026, 11, 29, DayOfWeek.Monday, 2026, 11, 23)]
    [InlineData(2026, 11, 30, DayOfWeek.Monday, 2026, 11, 30)]
    [InlineData(2026, 11, 23, DayOfWeek.Friday, 2026, 11, 20)]
    public void A_weeks_digest_belongs_to_its_latest_digest_day(int year, int month, int day, DayOfWeek digestDay, int weekYear, int weekMonth, int weekDay) =>
        RepresentativeDigests.WeekOf(new DateOnly(year, month, day), digestDay).ShouldBe(new DateOnly(weekYear, weekMonth, weekDay));
}

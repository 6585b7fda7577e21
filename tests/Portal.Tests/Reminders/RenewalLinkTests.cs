using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Reminders;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Mail;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Reminders;

/// <summary>
/// The renewal link of a reminder, taken from the mail a real SMTP server received, used over HTTP through the real
/// sign-in: it opens My token with the certificate chosen for renewal once, for its holder only, and then is void;
/// an expired link is refused; each refusal has its page in both languages.
/// </summary>
public sealed partial class RenewalLinkTests
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_link_opens_the_renewal_once_for_its_holder_and_is_then_void(DatabaseProvider provider)
    {
        var port = PortalSessionPorts.Closed();
        await using var smtp = await TestSmtpServer.StartAsync(port);
        await using var world = await ReminderWorld.StartAsync(provider,
            "--Mail:SmtpHost", "127.0.0.1", "--Mail:SmtpPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--Mail:SmtpTls", "false",
            "--Reminders:LinkLifetime", "2.00:00:00");
        var data = world.Data;
        var holder = await data.ApplicantAsync(null, "Jan", "Připomínaný");
        var holderAccount = await data.AccountAsync(PortalRoles.Holder, applicant: holder);
        var stranger = await data.AccountAsync(PortalRoles.Holder, applicant: await data.ApplicantAsync(null, "Cizí", "Držitel"));
        var qualified = await world.CertificateAsync(holder, null, CertificateType.Qualified, ReminderWorld.Start.AddDays(10));
        var commercial = await world.CertificateAsync(holder, null, CertificateType.Commercial, ReminderWorld.Start.AddDays(12));

        (await world.RunAsync()).ShouldBe(new ReminderRun(2, 2, 0));
        (await world.DeliverAsync()).ShouldBe(2);
        var received = smtp.Received();
        received.Count.ShouldBe(2);
        received.ShouldAllBe(m => m.Recipients.Single() == holder.Email);
        var texts = received.Select(m => m.Message.TextBody ?? "").ToArray();
        var qualifiedLink = PathOf(texts.Single(t => t.Contains(qualified.SerialNumber, StringComparison.Ordinal)));
        var commercialLink = PathOf(texts.Single(t => t.Contains(commercial.SerialNumber, StringComparison.Ordinal)));
        qualifiedLink.ShouldNotBe(commercialLink);
        // Only the token's hash is stored.
        (await data.DbAsync(db => db.RenewalLinks.AsNoTracking().ToListAsync()))
            .ShouldAllBe(l => !qualifiedLink.Contains(Convert.ToBase64String(l.TokenHash), StringComparison.Ordinal) && l.TokenHash.Length == 32);

        // Someone else's account is refused, and the link stays usable for its holder.
        using (var other = new PortalSession(world.Server.Address))
        {
            await other.SignInAsync(stranger.UserName, stranger.Password);
            (await RedirectAsync(other, qualifiedLink)).ShouldBe(ReminderSetup.RefusalPath + nameof(RenewalLinkRefusal.NotTheHolder));
        }

        // Not signed in: the sign-in page first, which comes back to the link; the link opens My token with the certificate chosen.
        using var session = new PortalSession(world.Server.Address);
        var toSignIn = await RedirectAsync(session, qualifiedLink);
        toSignIn.ShouldContain(AccountSetup.LoginPath);
        var login = await session.OkPageAsync(toSignIn);
        using (var signedIn = await session.PostFormAsync(toSignIn, login, "login", new Dictionary<string, string>
        {
            ["Input.UserName"] = holderAccount.UserName,
            ["Input.Password"] = holderAccount.Password,
        }))
        {
            signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            var back = signedIn.Headers.Location!;
            (back.IsAbsoluteUri ? back.PathAndQuery : back.OriginalString).ShouldBe(qualifiedLink);
        }

        (await RedirectAsync(session, qualifiedLink)).ShouldBe($"/token?renew={qualified.Id}");
        var token = await session.OkPageAsync($"/token?renew={qualified.Id}");
        token.QuerySelector("[data-testid=renewal-choice]").ShouldNotBeNull().TextContent.ShouldContain(qualified.SerialNumber);

        // Used once: void from now on.
        (await RedirectAsync(session, qualifiedLink)).ShouldBe(ReminderSetup.RefusalPath + nameof(RenewalLinkRefusal.AlreadyUsed));
        var used = await session.OkPageAsync(ReminderSetup.RefusalPath + nameof(RenewalLinkRefusal.AlreadyUsed));
        used.QuerySelector("[data-testid=renewal-link-refusal]").ShouldNotBeNull().TextContent.ShouldContain("Tento odkaz už byl použit.");
        var row = await data.DbAsync(db => db.RenewalLinks.AsNoTracking().SingleAsync(l => l.CertificateId == qualified.Id));
        row.UsedAtUtc.ShouldBe(world.Clock.GetUtcNow().UtcDateTime);
        row.UsedBy.ShouldBe(holderAccount.UserName);
        row.ApplicantId.ShouldBe(holder.Id);

        // A made-up token is unknown.
        (await RedirectAsync(session, "/renew/" + new string('A', 43))).ShouldBe(ReminderSetup.RefusalPath + nameof(RenewalLinkRefusal.Unknown));

        // Past its lifetime (2 days here) the other link is refused though its certificate is still valid.
        world.Clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        using var later = new PortalSession(world.Server.Address, "en");
        await later.SignInAsync(holderAccount.UserName, holderAccount.Password);
        (await RedirectAsync(later, commercialLink)).ShouldBe(ReminderSetup.RefusalPath + nameof(RenewalLinkRefusal.Expired));
        var expired = await later.OkPageAsync(ReminderSetup.RefusalPath + nameof(RenewalLinkRefusal.Expired));
        expired.QuerySelector("[data-testid=renewal-link-refusal]").ShouldNotBeNull().TextContent.ShouldContain("This link has expired.");
        (await data.DbAsync(db => db.RenewalLinks.AsNoTracking().SingleAsync(l => l.CertificateId == commercial.Id))).UsedAtUtc.ShouldBeNull();

        var audit = await data.AuditAsync();
        audit.Where(a => a.Action == AuditActions.RenewalLinkOpened).Select(a => (a.Actor, a.Subject)).ShouldBe([(holderAccount.UserName, AuditSubjects.Certificate(qualified.Id))]);
        audit.Where(a => a.Action == AuditActions.RenewalLinkRefused).Select(a => a.Details).ShouldBe(
            [
                "{\"reason\":\"NotTheHolder\"}", "{\"reason\":\"AlreadyUsed\"}", "{\"reason\":\"Unknown\"}", "{\"reason\":\"Expired\"}",
            ]);
    }

    /// <summary>Every renewal link in a mail text.</summary>
    internal static string[] Links(string text) => [.. LinkPattern().Matches(text).Select(m => m.Value)];

    private static string PathOf(string mailText)
    {
        var links = Links(mailText);
        links.Length.ShouldBe(2, "one link, in the Czech and in the English half");
        links.Distinct().Count().ShouldBe(1);
        return new Uri(links[0]).AbsolutePath;
    }

    private static async Task<string> RedirectAsync(PortalSession session, string path)
    {
        using var response = await session.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, path);
        var location = response.Headers.Location!;
        return location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;
    }

    [GeneratedRegex(@"https?://[^\s]+/renew/[A-Za-z0-9_-]{43}")]
    private static partial Regex LinkPattern();
}

using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Tests.Components;
using Qtsp.Portal.Tests.Localization;

namespace Qtsp.Portal.Tests.Support;

/// <summary>What support staff see while acting for a customer: the banner on every page and the elevation field.</summary>
public sealed class SupportBannerTests : PortalComponentTest
{
    private static readonly DateTime Expires = new(2026, 7, 14, 12, 30, 0, DateTimeKind.Utc);

    public SupportBannerTests()
    {
        Services.AddSingleton<MailOutbox>();
        Services.AddScoped<SupportService>();
    }

    private static SupportContext Session(bool mayElevate = false) =>
        new(42, "u-support", "podpora", "Eva Podpůrná", "HD-2026-0815", Expires, mayElevate);

    private static Actor InSession(bool mayElevate = false) => TestActors.Representative() with { Support = Session(mayElevate) };

    [Fact]
    public void The_banner_names_who_acts_for_whom_until_when_and_offers_the_end()
    {
        var banner = Render<SupportBanner>(p => p.Add(b => b.Actor, TestActors.Representative()).Add(b => b.Session, Session()));

        banner.Find("[data-testid=support-banner-text]").TextContent.ShouldBe(
            string.Format(System.Globalization.CultureInfo.GetCultureInfo("cs"), ResourceFiles.Czech["Support.Banner"], "Eva Podpůrná (podpora)", "Petr Dvořák (dvorak)"));
        // 12:30 UTC is 14:30 in Prague in summer: the portal's zone, with its offset.
        banner.Find("[data-testid=support-banner-until]").TextContent.ShouldContain("14:30 (UTC+2)");
        banner.Find("[data-testid=support-banner-until]").TextContent.ShouldContain("HD-2026-0815");
        var end = banner.Find("form[action='support/session/end'] button[type=submit][data-testid=support-end]");
        end.TextContent.Trim().ShouldBe(ResourceFiles.Czech["Support.End"]);
        banner.Find("[data-testid=support-banner]").GetAttribute("role").ShouldBe("alert");
    }

    [Fact]
    public void The_banner_speaks_english_when_the_page_does()
    {
        UseCulture(Qtsp.Portal.Infrastructure.Localization.English);

        var banner = Render<SupportBanner>(p => p.Add(b => b.Actor, TestActors.Representative()).Add(b => b.Session, Session()));

        banner.Find("[data-testid=support-end]").TextContent.Trim().ShouldBe(ResourceFiles.English["Support.End"]);
        banner.Find("[data-testid=support-banner-until]").TextContent.ShouldContain("2:30");
        banner.Find("[data-testid=support-banner-until]").TextContent.ShouldContain("PM (UTC+2)");
    }

    [Fact]
    public void The_elevation_field_asks_for_the_staff_members_code_only_in_a_session_that_permits_it()
    {
        string? code = null;

        var outside = Render<ElevationField>(p => p.Add(f => f.Actor, TestActors.Representative()));
        var notPermitted = Render<ElevationField>(p => p.Add(f => f.Actor, InSession(mayElevate: false)));
        var permitted = Render<ElevationField>(p => p
            .Add(f => f.Actor, InSession(mayElevate: true))
            .Add(f => f.CodeChanged, (string? value) => code = value));

        outside.Markup.Trim().ShouldBeEmpty();
        notPermitted.FindAll("[data-testid=elevation-code]").ShouldBeEmpty();
        notPermitted.Find("[data-testid=elevation-not-permitted]").TextContent.ShouldBe(ResourceFiles.Czech["Support.Elevation.NotPermitted"]);
        permitted.Find("[data-testid=elevation]").TextContent.ShouldContain("podpora");
        var input = permitted.Find("input[data-testid=elevation-code]");
        input.GetAttribute("autocomplete").ShouldBe("one-time-code");
        input.Input("123 456");
        code.ShouldBe("123 456");
    }
}

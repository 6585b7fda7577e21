using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Components.Layout;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Tests.Components;

public sealed class LayoutTests : PortalComponentTest
{
    [Fact]
    public void The_menu_offers_what_the_role_may_open_and_nothing_else()
    {
        var holder = Render<NavMenu>(p => p.Add(m => m.Actor, TestActors.Holder()));
        var support = Render<NavMenu>(p => p.Add(m => m.Actor, TestActors.Support()));

        Links(holder).ShouldBe(["/", "token", "renew-with-code", "certificates", "requests", "account"], ignoreOrder: true);
        Links(support).ShouldBe(["/", "support", "account"], ignoreOrder: true);
        holder.Find("nav").GetAttribute("aria-label").ShouldBe("Hlavní nabídka");
    }

    [Fact]
    public void The_menu_marks_the_page_shown_and_follows_navigation()
    {
        var navigation = Services.GetRequiredService<Bunit.TestDoubles.BunitNavigationManager>();
        navigation.NavigateTo("certificates/42");
        var menu = Render<NavMenu>(p => p.Add(m => m.Actor, TestActors.Holder()));

        Current(menu).ShouldBe(["certificates"], "a certificate's page belongs to the certificates");

        navigation.NavigateTo("");
        menu.WaitForAssertion(() => Current(menu).ShouldBe(["/"], "home is current only on itself"));
        navigation.NavigateTo("token?renew=7");
        menu.WaitForAssertion(() => Current(menu).ShouldBe(["token"]));
    }

    [Fact]
    public void The_header_names_the_account_and_its_roles_in_the_page_s_language()
    {
        UseCulture(Qtsp.Portal.Infrastructure.Localization.English);

        var menu = Render<UserMenu>(p => p.Add(m => m.Actor, TestActors.Holder()));

        menu.Find("[data-testid=user-name]").TextContent.ShouldBe("Jana Nováková");
        menu.Find("[data-testid=sign-out]").TextContent.Trim().ShouldBe("Sign out");
    }

    private static string[] Current(IRenderedComponent<NavMenu> menu) =>
        menu.FindAll("a[aria-current=page]").Select(a => a.GetAttribute("href")!).Select(h => h.Length == 0 ? "/" : h).ToArray();

    private static string[] Links(IRenderedComponent<NavMenu> menu) =>
        menu.FindAll("a[href]").Select(a => a.GetAttribute("href")!).Select(h => h.Length == 0 ? "/" : h).ToArray();
}

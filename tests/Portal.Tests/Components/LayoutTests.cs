using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Components;
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

    [Fact]
    public void The_drawer_follows_the_screen_width_until_the_toggle_is_used_and_again_after_a_link_is_followed()
    {
        AddAuthorization();
        Services.AddDataProtection();
        Services.AddScoped<Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage.ProtectedSessionStorage>();
        Services.AddScoped<FormDrafts>();
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var layout = Render<MainLayout>(p => p.Add(l => l.Body, body => body.AddMarkupContent(0, "<h1>Obsah</h1>")));

        // By width: one toggle for a wide screen (the drawer is shown: it closes it), one for a narrow screen (it opens it).
        Drawer(layout).ShouldContain("portal-drawer-by-width");
        Toggles(layout).ShouldBe([("portal-wide-only", "true"), ("portal-narrow-only", "false")]);
        layout.Find("div.mud-layout").ClassList.ShouldContain("mud-drawer-open-responsive-md-left");
        layout.FindAll("[data-testid=nav-overlay]").ShouldBeEmpty();
        layout.Find("main h1").TextContent.ShouldBe("Obsah");

        // Opened on a narrow screen: over the page, with the backdrop that closes it (and beside the page if the window widens).
        layout.Find("[data-testid=nav-toggle].portal-narrow-only").Click();
        Drawer(layout).ShouldContain("mud-drawer--open");
        Toggles(layout).ShouldBe([("portal-wide-only", "true"), ("portal-narrow-only", "true")]);
        layout.Find("div.mud-layout").ClassList.ShouldContain("mud-drawer-open-responsive-md-left");
        layout.Find("[data-testid=nav-overlay]").Click();
        Drawer(layout).ShouldContain("portal-drawer-by-width");

        // Closed on a wide screen: the page takes the width (and on a narrow one it stays closed); the toggle opens it again.
        layout.Find("[data-testid=nav-toggle].portal-wide-only").Click();
        Drawer(layout).ShouldContain("mud-drawer--closed");
        layout.Find("div.mud-layout").ClassList.ShouldNotContain("mud-drawer-open-responsive-md-left");
        Toggles(layout).ShouldBe([("portal-wide-only", "false"), ("portal-narrow-only", "false")]);
        layout.Find("[data-testid=nav-toggle].portal-wide-only").Click();
        Drawer(layout).ShouldContain("portal-drawer-by-width");

        // A menu link followed: back to what the width suggests (on a narrow screen the drawer gets out of the way).
        layout.Find("[data-testid=nav-toggle].portal-narrow-only").Click();
        layout.Find("nav a[href='']").Click();
        Drawer(layout).ShouldContain("portal-drawer-by-width");
        layout.FindAll("[data-testid=nav-overlay]").ShouldBeEmpty();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_dialog_popover_and_snackbar_hosts_are_there_only_for_a_sign_in(bool signedIn)
    {
        var authorization = AddAuthorization();
        if (signedIn)
        {
            authorization.SetAuthorized("novakova");
        }

        Services.AddDataProtection();
        Services.AddScoped<Microsoft.AspNetCore.Components.Server.ProtectedBrowserStorage.ProtectedSessionStorage>();
        Services.AddScoped<FormDrafts>();
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var layout = Render<MainLayout>(p => p.Add(l => l.Body, body => body.AddMarkupContent(0, "<h1>Obsah</h1>")));

        layout.FindAll(".mud-popover-provider").Count.ShouldBe(signedIn ? 1 : 0);
        layout.FindComponents<MudBlazor.MudDialogProvider>().Count.ShouldBe(signedIn ? 1 : 0);
        layout.FindComponents<MudBlazor.MudSnackbarProvider>().Count.ShouldBe(signedIn ? 1 : 0);
    }

    private static string[] Drawer(IRenderedComponent<MainLayout> layout) => [.. layout.Find("aside#portal-drawer").ClassList];

    private static (string Only, string Expanded)[] Toggles(IRenderedComponent<MainLayout> layout) =>
        layout.FindAll("[data-testid=nav-toggle]")
            .Select(b => (b.ClassList.FirstOrDefault(c => c.EndsWith("-only", StringComparison.Ordinal)) ?? "", b.GetAttribute("aria-expanded")!))
            .ToArray();

    private static string[] Current(IRenderedComponent<NavMenu> menu) =>
        menu.FindAll("a[aria-current=page]").Select(a => a.GetAttribute("href")!).Select(h => h.Length == 0 ? "/" : h).ToArray();

    private static string[] Links(IRenderedComponent<NavMenu> menu) =>
        menu.FindAll("a[href]").Select(a => a.GetAttribute("href")!).Select(h => h.Length == 0 ? "/" : h).ToArray();
}

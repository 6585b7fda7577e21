using System.Reflection;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Hosting;

/// <summary>Server-rendered pages of the running portal: language, layout parts every page needs.</summary>
public sealed class PageTests(PortalServerFixture portal) : IClassFixture<PortalServerFixture>
{
    private HttpClient Client => portal.Server.Client;

    /// <summary>Every routable page of the portal (templates without parameters) a signed-in holder can open.</summary>
    public static TheoryData<string> Pages() => [.. Routes().Where(r => r != "/account/two-factor" && !StaffOnly.Contains(r))]; // two-factor: only between password and second factor

    /// <summary>Pages only staff roles may open (the page's Authorize attribute): a holder is sent to the denied page.</summary>
    private static readonly string[] StaffOnly = ["/registration", "/renewal-codes", "/statistics", "/statistics/overview"];

    /// <summary>The pages someone who is not signed in may see.</summary>
    private static readonly string[] Anonymous = ["/account/login", "/account/login/token", "/account/two-factor", "/error", "/not-found", "/revoke"];

    public static TheoryData<string> SignedInPages() => [.. Routes().Where(r => !Anonymous.Contains(r))];

    private static string[] Routes() =>
        typeof(PortalHost).Assembly.GetTypes()
            .Where(t => typeof(IComponent).IsAssignableFrom(t))
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>())
            .Select(r => r.Template)
            .Where(t => !t.Contains('{', StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    [Fact]
    public void The_page_list_is_not_empty()
    {
        Routes().ShouldBe(
            ["/", "/account", "/account/denied", "/account/login", "/account/login/token", "/account/two-factor", "/applicants", "/applicants/new", "/certificates", "/error",
                "/not-found", "/registration", "/renew-with-code", "/renewal-codes", "/requests", "/revoke", "/statistics", "/statistics/overview", "/support", "/token",
                "/token/complaint"],
            ignoreOrder: true);
    }

    [Fact]
    public async Task A_staff_only_page_sends_a_holder_to_the_denied_page()
    {
        foreach (var path in StaffOnly)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", portal.SignedIn());
            using var response = await Client.SendAsync(request);

            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect, path);
            response.Headers.Location!.AbsolutePath.ShouldBe("/account/denied", path);
        }
    }

    [Theory]
    [MemberData(nameof(SignedInPages))]
    public async Task Every_customer_page_sends_an_anonymous_visitor_to_sign_in(string path)
    {
        using var response = await Client.GetAsync(path);

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect, path);
        response.Headers.Location!.OriginalString.ShouldBe($"http://{portal.Server.Address.Authority}/account/login?ReturnUrl={Uri.EscapeDataString(path)}");
    }

    [Theory]
    [InlineData("/", "Home.Heading")]
    [InlineData("/token", "Token.Heading")]
    [InlineData("/certificates", "Nav.Certificates")]
    public async Task Page_is_czech_by_default(string path, string headingKey)
    {
        var page = await Client.GetPageAsync(path, portal.SignedIn());

        page.DocumentElement.GetAttribute("lang").ShouldBe("cs");
        page.QuerySelector("h1").ShouldNotBeNull().TextContent.Trim().ShouldBe(Texts.Get(headingKey, Texts.Culture("cs")));
    }

    [Theory]
    [InlineData("/", "Home.Heading", "Welcome")]
    [InlineData("/token", "Token.Heading", "token")]
    public async Task Page_is_english_with_the_culture_cookie(string path, string headingKey, string word)
    {
        var page = await Client.GetPageAsync(path, portal.SignedIn(PortalPages.CultureCookie("en")));

        page.DocumentElement.GetAttribute("lang").ShouldBe("en");
        var heading = page.QuerySelector("h1").ShouldNotBeNull().TextContent.Trim();
        heading.ShouldBe(Texts.Get(headingKey, Texts.Culture("en")));
        heading.ShouldContain(word, Case.Insensitive);
        heading.ShouldNotBe(Texts.Get(headingKey, Texts.Culture("cs")));
    }

    [Fact]
    public async Task Browser_language_does_not_switch_the_portal_only_the_users_choice_does()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Accept-Language", "en-US,en;q=0.9");
        request.Headers.Add("Cookie", portal.SignedIn());

        using var response = await Client.SendAsync(request);

        (await response.Content.ReadAsStringAsync()).ShouldContain("<html lang=\"cs\">");
    }

    [Theory]
    [InlineData("/token", "cs")]
    [InlineData("/token", "en")]
    public async Task Token_page_prerenders_connecting_to_the_agent_without_errors(string path, string culture)
    {
        var page = await Client.GetPageAsync(path, portal.SignedIn(PortalPages.CultureCookie(culture)));

        var status = page.QuerySelectorAll("[data-testid=agent-state]").ShouldHaveSingleItem();
        status.GetAttribute("data-state").ShouldBe("connecting");
        status.TextContent.ShouldContain(Texts.Get("Agent.Connecting", Texts.Culture(culture)));
        page.QuerySelector("[data-testid=device]").ShouldBeNull();
        page.QuerySelector("[data-testid=no-device]").ShouldBeNull();
        page.Body!.TextContent.ShouldNotContain("Exception");
        page.Body.TextContent.ShouldNotContain(Texts.Get("Error.Title", Texts.Culture(culture)));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_carries_the_reconnect_modal_in_its_language(string path)
    {
        foreach (var culture in new[] { "cs", "en" })
        {
            var page = await Client.GetPageAsync(path, path.StartsWith("/account/login", StringComparison.Ordinal)
                ? PortalPages.CultureCookie(culture)
                : portal.SignedIn(PortalPages.CultureCookie(culture)));

            var modal = page.QuerySelectorAll("#components-reconnect-modal").ShouldHaveSingleItem($"{path} ({culture})");
            foreach (var (cssClass, key) in new[] { ("reconnect-show-text", "Reconnect.Retrying"), ("reconnect-failed-text", "Reconnect.Failed"), ("reconnect-rejected-text", "Reconnect.Rejected") })
            {
                var message = modal.QuerySelector($"p.{cssClass}").ShouldNotBeNull($"{path} ({culture}): .{cssClass}");
                message.TextContent.Trim().ShouldBe(Texts.Get(key, Texts.Culture(culture)));
            }

            modal.QuerySelector("#components-reconnect-retry").ShouldNotBeNull().TextContent.Trim().ShouldBe(Texts.Get("Reconnect.Retry", Texts.Culture(culture)));
            modal.QuerySelector("#components-reconnect-reload").ShouldNotBeNull().TextContent.Trim().ShouldBe(Texts.Get("Reconnect.Reload", Texts.Culture(culture)));
            page.QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!).ShouldContain(src => src.StartsWith("Components/Layout/ReconnectModal.", StringComparison.Ordinal) && src.EndsWith(".js", StringComparison.Ordinal), $"{path}: the modal's script");
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_page_has_the_language_switch_back_to_itself(string path)
    {
        var page = await Client.GetPageAsync(path, path == "/account/login" ? null : portal.SignedIn());

        var links = page.QuerySelectorAll("nav.language-switch a").Select(a => a.GetAttribute("href")).ToArray();
        links.ShouldBe([$"culture/cs?returnUrl={Uri.EscapeDataString(path)}", $"culture/en?returnUrl={Uri.EscapeDataString(path)}"]);
        page.QuerySelector("nav.language-switch a[aria-current=true]").ShouldNotBeNull().GetAttribute("lang").ShouldBe("cs");
    }

    [Fact]
    public async Task Unknown_address_sends_an_anonymous_visitor_to_sign_in_without_telling_whether_it_exists()
    {
        using var unknown = await Client.GetAsync("/no-such-page");
        using var known = await Client.GetAsync("/requests");

        unknown.StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect);
        known.StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect);
        unknown.Headers.Location!.AbsolutePath.ShouldBe("/account/login");
    }

    [Theory]
    [InlineData("cs")]
    [InlineData("en")]
    public async Task Unknown_address_shows_the_not_found_page_with_status_404(string culture)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/no-such-page");
        request.Headers.Add("Cookie", portal.SignedIn(PortalPages.CultureCookie(culture)));

        using var response = await Client.SendAsync(request);

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        var page = await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
        page.DocumentElement.GetAttribute("lang").ShouldBe(culture);
        page.QuerySelector("h1").ShouldNotBeNull().TextContent.Trim().ShouldBe(Texts.Get("NotFound.Title", Texts.Culture(culture)));
        page.QuerySelector("#components-reconnect-modal").ShouldNotBeNull();
    }
}

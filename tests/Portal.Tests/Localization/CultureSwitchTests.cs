using System.Net;
using Qtsp.Portal.Tests.Hosting;

namespace Qtsp.Portal.Tests.Localization;

/// <summary>GET /culture/{name}?returnUrl=... on the running portal.</summary>
public sealed class CultureSwitchTests(PortalServerFixture portal) : IClassFixture<PortalServerFixture>
{
    private HttpClient Client => portal.Server.Client;

    private async Task<(HttpStatusCode Status, string? Location, string? Cookie)> SwitchAsync(string pathAndQuery)
    {
        using var response = await Client.GetAsync(pathAndQuery);
        var cookie = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.SingleOrDefault(v => v.StartsWith(".AspNetCore.Culture=", StringComparison.Ordinal)) : null;
        return (response.StatusCode, response.Headers.Location?.OriginalString, cookie);
    }

    [Fact]
    public async Task Switch_to_english_stores_the_choice_and_goes_back_to_the_page()
    {
        var (status, location, cookie) = await SwitchAsync("/culture/en?returnUrl=%2Ftoken");

        status.ShouldBe(HttpStatusCode.Redirect);
        location.ShouldBe("/token");
        cookie.ShouldNotBeNull();
        cookie.ShouldStartWith(PortalPages.CultureCookie("en") + ";");
        cookie.ShouldContain("path=/", Case.Insensitive);
        cookie.ShouldContain("httponly", Case.Insensitive);
        cookie.ShouldContain("samesite=lax", Case.Insensitive);
        cookie.ShouldContain("max-age=31536000", Case.Insensitive);

        // The stored cookie is what the next page load reads.
        var page = await Client.GetPageAsync(location!, portal.SignedIn(cookie.Split(';')[0]));
        page.DocumentElement.GetAttribute("lang").ShouldBe("en");
    }

    [Theory]
    [InlineData("/culture/cs?returnUrl=%2Fcertificates", "/certificates", "cs")]
    [InlineData("/culture/EN?returnUrl=%2F", "/", "en")]
    [InlineData("/culture/en?returnUrl=%2Ftoken%3Fx%3D1", "/token?x=1", "en")]
    [InlineData("/culture/en", "/", "en")]
    public async Task Switch_keeps_local_return_addresses(string request, string expectedLocation, string expectedCulture)
    {
        var (status, location, cookie) = await SwitchAsync(request);

        status.ShouldBe(HttpStatusCode.Redirect);
        location.ShouldBe(expectedLocation);
        cookie.ShouldNotBeNull().ShouldStartWith(PortalPages.CultureCookie(expectedCulture) + ";");
    }

    [Theory]
    [InlineData("//evil.example")]
    [InlineData("//evil.example/token")]
    [InlineData("https://evil.example")]
    [InlineData("http://evil.example/")]
    [InlineData("/\\evil.example")]
    [InlineData("\\\\evil.example")]
    [InlineData("/\t/evil.example")] // browsers drop tabs and newlines from URLs: this is //evil.example to them
    [InlineData("/\n/evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("token")]
    [InlineData("")]
    public async Task Switch_never_redirects_away_from_the_portal(string returnUrl)
    {
        var (status, location, cookie) = await SwitchAsync($"/culture/en?returnUrl={Uri.EscapeDataString(returnUrl)}");

        status.ShouldBe(HttpStatusCode.Redirect);
        location.ShouldBe("/");
        cookie.ShouldNotBeNull();
    }

    [Theory]
    [InlineData("de")]
    [InlineData("xx-unknown")]
    [InlineData("en-US")]
    public async Task Unknown_culture_falls_back_to_czech(string culture)
    {
        var (status, location, cookie) = await SwitchAsync($"/culture/{culture}?returnUrl=%2Ftoken");

        status.ShouldBe(HttpStatusCode.Redirect);
        location.ShouldBe("/token");
        cookie.ShouldNotBeNull().ShouldStartWith(PortalPages.CultureCookie("cs") + ";");
        var page = await Client.GetPageAsync("/token", portal.SignedIn(cookie.Split(';')[0]));
        page.DocumentElement.GetAttribute("lang").ShouldBe("cs");
    }

    [Fact]
    public async Task A_cookie_naming_an_unsupported_culture_is_ignored()
    {
        var page = await Client.GetPageAsync("/", portal.SignedIn(PortalPages.CultureCookie("de")));

        page.DocumentElement.GetAttribute("lang").ShouldBe("cs");
    }
}

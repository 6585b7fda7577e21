using System.Net;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Hosting;

/// <summary>Headers on every response, the hosts the portal answers to, trusted proxies and bad requests, over real HTTP.</summary>
public sealed class HostingSecurityTests(PortalServerFixture portal) : IClassFixture<PortalServerFixture>
{
    private HttpClient Client => portal.Server.Client;

    public static TheoryData<string> Responses() =>
    [
        .. PageTests.Pages(), "/no-such-page", "/css/app.css", "/_framework/blazor.web.js", "/health", "/pki/root-ca.crt",
    ];

    [Theory]
    [MemberData(nameof(Responses))]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", portal.SignedIn());
        using var response = await Client.SendAsync(request);

        var policy = response.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem(path);
        var directives = policy.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d.Split(' ')[1..]);
        directives["script-src"].ShouldContain("'self'");
        directives["script-src"].ShouldNotContain("'unsafe-inline'");
        directives["script-src"].ShouldNotContain("'unsafe-eval'");
        directives["script-src"].Count(s => s.StartsWith("'nonce-", StringComparison.Ordinal)).ShouldBe(1, path);
        directives["object-src"].ShouldBe(["'none'"]);
        directives["frame-ancestors"].ShouldBe(["'none'"]);
        directives["base-uri"].ShouldBe(["'self'"]);
        directives["connect-src"].ShouldContain("http://127.0.0.1:47180", "the agent's configured origin");
        directives["connect-src"].ShouldContain("ws://127.0.0.1:47180");
        directives["connect-src"].ShouldContain($"ws://{portal.Server.Address.Authority}");
        response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"], path);
        response.Headers.GetValues("Referrer-Policy").ShouldBe(["same-origin"], path);
        response.Headers.GetValues("Permissions-Policy").ShouldHaveSingleItem().ShouldContain("camera=()");
        response.Headers.GetValues("X-Frame-Options").ShouldBe(["DENY"], path);
        response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse("not over plain HTTP");
    }

    [Fact]
    public async Task The_only_inline_script_is_the_import_map_with_the_responses_nonce()
    {
        var pages = new List<string>();
        foreach (var _ in Enumerable.Range(0, 2))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/token");
            request.Headers.Add("Cookie", portal.SignedIn());
            using var response = await Client.SendAsync(request);
            var nonce = response.Headers.GetValues("Content-Security-Policy").Single().Split(' ')
                .Single(s => s.StartsWith("'nonce-", StringComparison.Ordinal))["'nonce-".Length..].TrimEnd(';', '\'');
            var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

            var inline = page.QuerySelectorAll("script:not([src])").ShouldHaveSingleItem();
            inline.GetAttribute("type").ShouldBe("importmap");
            inline.GetAttribute("nonce").ShouldBe(nonce);
            page.QuerySelectorAll("*").SelectMany(e => e.Attributes).ShouldNotContain(a => a.Name.StartsWith("on", StringComparison.Ordinal), "no inline event handlers");
            pages.Add(nonce);
        }

        pages.Distinct().Count().ShouldBe(2, "a fresh nonce for each response");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/requests")]
    [InlineData("/account/login")]
    [InlineData("/culture/en?returnUrl=/token")]
    [InlineData("/no-such-page")]
    public async Task A_foreign_host_is_refused_and_never_reaches_a_location(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "evil.example";
        using var response = await Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Headers.Location.ShouldBeNull();
        (await response.Content.ReadAsStringAsync()).ShouldNotContain("evil.example");
    }

    [Fact]
    public async Task A_forwarded_host_is_not_taken_even_from_a_configured_proxy()
    {
        await using var server = await PortalServer.StartAsync("--Hosting:KnownProxies:0", "127.0.0.1");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/requests");
        request.Headers.Add("X-Forwarded-Host", "evil.example");
        using var response = await server.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.Host.ShouldBe("127.0.0.1");
    }

    [Fact]
    public async Task The_portal_does_not_start_answering_to_any_host()
    {
        var refusal = await Should.ThrowAsync<InvalidOperationException>(() => PortalServer.StartAsync("--AllowedHosts", "*"));
        refusal.Message.ShouldContain("AllowedHosts");
    }

    [Fact]
    public async Task Hsts_is_sent_when_a_configured_proxy_says_the_browser_came_over_https_and_only_then()
    {
        using var untrusted = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        untrusted.Headers.Add("X-Forwarded-Proto", "https");
        using var fromAnyone = await Client.SendAsync(untrusted);
        fromAnyone.Headers.Contains("Strict-Transport-Security").ShouldBeFalse("the fixture's portal trusts no proxy");

        await using var server = await PortalServer.StartAsync("--Hosting:KnownProxies:0", "127.0.0.1");
        using var trusted = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        trusted.Headers.Add("X-Forwarded-Proto", "https");
        using var fromProxy = await server.Client.SendAsync(trusted);
        fromProxy.Headers.GetValues("Strict-Transport-Security").ShouldBe(["max-age=31536000; includeSubDomains"]);
        fromProxy.Headers.GetValues("Content-Security-Policy").Single().ShouldContain($"wss://{server.Address.Authority}");
        using var plain = await server.Client.GetAsync("/account/login");
        plain.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }

    [Fact]
    public async Task The_audit_records_the_browsers_address_from_a_configured_proxy_and_ignores_the_header_from_anyone_else()
    {
        const string browser = "203.0.113.7";
        foreach (var (arguments, expected) in new (string[] Arguments, string Expected)[] { (["--Hosting:KnownProxies:0", "127.0.0.1"], browser), ([], "127.0.0.1") })
        {
            await using var server = await PortalServer.StartAsync(arguments);
            using var session = new PortalSession(server.Address);
            var login = await session.OkPageAsync("/account/login");
            session.SetForwardedFor(browser);
            using var _ = await session.PostFormAsync("/account/login", login, "login",
                new Dictionary<string, string> { ["Input.UserName"] = "nobody-here", ["Input.Password"] = "Wrong-Password-1" });

            var data = new TestData(server.App.Services);
            var failed = (await data.AuditAsync()).Single(a => a.Action == AuditActions.SignInFailed);
            failed.SourceAddress.ShouldBe(expected, string.Join(' ', arguments));
        }
    }

    [Fact]
    public async Task A_form_post_without_its_antiforgery_token_is_a_bad_request_not_a_server_error()
    {
        foreach (var path in new[] { "/account/logout", "/account/login", "/account" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["returnUrl"] = "/", ["_handler"] = "change-password" }),
            };
            request.Headers.Add("Cookie", portal.SignedIn());
            using var response = await Client.SendAsync(request);

            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{path}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("/\u3000", "/")]
    [InlineData("/\u3000/evil.example", "/")]
    [InlineData("/applicants?q=Nov\u00e1k", "/applicants?q=Nov%C3%A1k")]
    public async Task A_return_address_outside_ascii_is_encoded_or_refused_never_a_server_error(string returnUrl, string location)
    {
        using var response = await Client.GetAsync($"/culture/en?returnUrl={Uri.EscapeDataString(returnUrl)}");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe(location);
    }

    [Fact]
    public async Task Signing_in_with_an_ideographic_space_in_the_return_address_goes_to_a_local_page()
    {
        var holder = await new TestData(portal.Server.App.Services).AccountAsync(PortalRoles.Holder, applicant: await new TestData(portal.Server.App.Services).ApplicantAsync(null));
        using var session = new PortalSession(portal.Server.Address);
        var login = await session.OkPageAsync("/account/login?returnUrl=%2F%E3%80%80");
        using var response = await session.PostFormAsync("/account/login?returnUrl=%2F%E3%80%80", login, "login",
            new Dictionary<string, string> { ["Input.UserName"] = holder.UserName, ["Input.Password"] = holder.Password });

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/");
    }

    [Fact]
    public async Task The_policy_lets_pages_reach_the_configured_agent_only()
    {
        await using var server = await PortalServer.StartAsync("--AgentBridge:Url", "http://127.0.0.1:47999");
        using var response = await server.Client.GetAsync("/account/login");

        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        policy.ShouldContain("http://127.0.0.1:47999");
        policy.ShouldContain("ws://127.0.0.1:47999");
        policy.ShouldNotContain(":47180");
    }
}

using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Account.EntraSignIn;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>The portal with its Entra sign-in configured for a real OpenID Connect provider on loopback, laid out as a tenant.</summary>
public sealed class EntraPortal : IAsyncLifetime
{
    private PortalServer? _server;
    private EntraTestTenant? _tenant;

    public PortalServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public EntraTestTenant Tenant => _tenant ?? throw new InvalidOperationException("Not started.");

    public TestData Data => new(Server.App.Services);

    public async Task InitializeAsync()
    {
        _tenant = await EntraTestTenant.StartAsync();
        _server = await PortalServer.StartAsync([.. _tenant.PortalArguments(), "--Hosting:KnownProxies:0", "127.0.0.1"]);
        _tenant.AllowReplyTo(_server.Address);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_tenant is not null)
        {
            await _tenant.DisposeAsync();
        }
    }
}

/// <summary>
/// Sign-in with the organisation's Entra ID over HTTP, as a browser goes through it: the portal's Microsoft.Identity.Web
/// handler, the provider's authorisation and token endpoints, the portal's return. A representative links their identity
/// once, with the organisation's tenant recorded, and then signs in with it.
/// </summary>
public sealed class EntraSignInTests(EntraPortal portal) : IClassFixture<EntraPortal>
{
    private static int _addresses;

    private PortalSession NewSession()
    {
        var session = new PortalSession(portal.Server.Address);
        session.SetForwardedFor($"203.0.{Interlocked.Increment(ref _addresses) / 250}.{_addresses % 250 + 1}");
        return session;
    }

    private sealed record Representative(TestAccount Account, Organisation Organisation, PortalSession Session, string AuthenticatorKey);

    private async Task<Representative> RepresentativeAsync(bool tenantRecorded = true)
    {
        var organisation = await portal.Data.OrganisationAsync();
        var account = await portal.Data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);
        var session = NewSession();
        var key = await session.SignInAsync(account.UserName, account.Password, account.AuthenticatorKey);
        var representative = new Representative(account, organisation, session, key!);
        if (tenantRecorded)
        {
            (await SetTenantAsync(representative, portal.Tenant.TenantId)).ShouldContain("data-testid=\"entra-tenant\">" + portal.Tenant.TenantId);
        }

        return representative;
    }

    private static async Task<string> SetTenantAsync(Representative representative, string tenant, string? code = null)
    {
        var page = await representative.Session.OkPageAsync("/account");
        using var response = await representative.Session.PostFormAsync("/account", page, "entra-tenant", new Dictionary<string, string>
        {
            ["Tenant.TenantId"] = tenant,
            ["Tenant.Code"] = code ?? await Totp.UnusedCodeAsync(representative.AuthenticatorKey),
        });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Follows the redirects of a sign-in through the directory until they leave it; every hop is in <see cref="PortalSession.Locations"/>.</summary>
    private async Task<HttpResponseMessage> ThroughDirectoryAsync(PortalSession session, HttpResponseMessage start, Action<Uri>? onReply = null)
    {
        var response = start;
        for (var hop = 0; hop < 10 && response.StatusCode == HttpStatusCode.Redirect; hop++)
        {
            var location = new Uri(portal.Server.Address, response.Headers.Location!);
            var atDirectory = location.Port == portal.Tenant.Instance.Port;
            var atPortalsReturn = location.Port == portal.Server.Address.Port
                && (location.AbsolutePath.StartsWith("/signin-oidc", StringComparison.Ordinal) || location.AbsolutePath.StartsWith("/account/entra/", StringComparison.Ordinal));
            if (!atDirectory && !atPortalsReturn)
            {
                break;
            }

            if (location.AbsolutePath.StartsWith("/signin-oidc", StringComparison.Ordinal))
            {
                onReply?.Invoke(location);
            }

            response.Dispose();
            response = await session.GetAsync(location.ToString());
        }

        return response;
    }

    private async Task<string> SignInThroughDirectoryAsync(PortalSession session, EntraTestUser user, Action<Uri>? onReply = null)
    {
        portal.Tenant.NextUser = user;
        using var response = await ThroughDirectoryAsync(session, await session.GetAsync($"{EntraEndpoints.SignInPath}?returnUrl=%2Fapplicants"), onReply);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return response.Headers.Location!.OriginalString;
    }

    private async Task<string> LinkAsync(Representative representative, EntraTestUser user)
    {
        portal.Tenant.NextUser = user;
        var page = await representative.Session.OkPageAsync("/account");
        var fields = new Dictionary<string, string> { ["confirm"] = "link" };
        // A linked account's page has no linking form: the post is then made with another form's antiforgery token.
        var start = page.Forms.Any(f => f.GetAttribute("action") == EntraEndpoints.LinkPath)
            ? await representative.Session.PostFormByActionAsync(page, EntraEndpoints.LinkPath, fields)
            : await representative.Session.PostWithPageTokenAsync(EntraEndpoints.LinkPath, page, fields);
        using var response = await ThroughDirectoryAsync(representative.Session, start);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return response.Headers.Location!.OriginalString;
    }

    private static bool HasSignIn(PortalSession session, Uri address) =>
        session.Cookies.GetCookies(address).Any(c => c.Name == AccountSetup.CookieName);

    private Task<PortalUser> StoredAsync(TestAccount account) => portal.Data.DbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == account.UserId));

    [Fact]
    public async Task A_representative_links_their_identity_once_and_then_signs_in_with_it_alone()
    {
        var representative = await RepresentativeAsync();
        var user = portal.Tenant.NewUser($"jana.{Guid.NewGuid():N}@firma.example");
        var handler = portal.Server.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectOptions>>().Get(EntraSetup.Scheme);
        (handler.TokenValidationParameters.ValidateAudience, handler.TokenValidationParameters.ValidAudience, handler.UsePkce, handler.ResponseType)
            .ShouldBe((true, portal.Tenant.ClientId, true, "code"));
        using var accountPage = await representative.Session.GetAsync("/account");
        accountPage.Headers.GetValues("Content-Security-Policy").Single().ShouldContain($"form-action 'self' http://127.0.0.1:{portal.Tenant.Instance.Port}");

        (await LinkAsync(representative, user)).ShouldBe($"/account?entra={EntraLinkOutcome.Linked}");
        var stored = await StoredAsync(representative.Account);
        (stored.EntraTenantId, stored.EntraObjectId, stored.EntraUserName).ShouldBe((portal.Tenant.TenantId, user.ObjectId, user.UserName));
        (await representative.Session.OkPageAsync("/account")).QuerySelector("[data-testid=entra-linked]")!.TextContent.ShouldContain(user.UserName);

        // Another browser, no password and no authenticator code: the directory's sign-in with its second factor.
        using var browser = NewSession();
        var issued = portal.Tenant.TokensIssued;
        (await SignInThroughDirectoryAsync(browser, user)).ShouldBe("/applicants");
        portal.Tenant.TokensIssued.ShouldBe(issued + 1, "the portal redeemed the code at the directory's token endpoint");
        (await browser.PageAsync("/applicants")).Status.ShouldBe(HttpStatusCode.OK);
        browser.Locations.ShouldNotContain(l => l.Contains("id_token", StringComparison.Ordinal), "the ID token travels on the back channel only");

        var audit = await portal.Data.AuditAsync();
        audit.ShouldContain(a => a.Action == AuditActions.EntraLinked && a.Actor == representative.Account.UserName);
        audit.ShouldContain(a => a.Action == AuditActions.SignedIn && a.Actor == representative.Account.UserName && a.Details!.Contains("entra"));

        // Once: a second identity does not replace the first.
        (await LinkAsync(representative, portal.Tenant.NewUser("other@firma.example"))).ShouldBe($"/account?entra={EntraLinkOutcome.AlreadyLinked}");
        (await StoredAsync(representative.Account)).EntraObjectId.ShouldBe(user.ObjectId);
    }

    [Fact]
    public async Task Without_the_directorys_second_factor_the_portal_asks_for_its_own()
    {
        var representative = await RepresentativeAsync();
        var user = portal.Tenant.NewUser($"petr.{Guid.NewGuid():N}@firma.example", multiFactor: false);
        (await LinkAsync(representative, user)).ShouldBe($"/account?entra={EntraLinkOutcome.Linked}");

        using var browser = NewSession();
        var location = await SignInThroughDirectoryAsync(browser, user);
        location.ShouldStartWith("/account/two-factor");
        (await browser.PageAsync("/applicants")).Status.ShouldBe(HttpStatusCode.Redirect, "no sign-in before the code");

        var page = await browser.OkPageAsync(location);
        using var verified = await browser.PostFormAsync(location, page, "two-factor", new Dictionary<string, string> { ["Input.Code"] = await Totp.UnusedCodeAsync(representative.AuthenticatorKey) });
        verified.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await browser.PageAsync("/applicants")).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_identity_nobody_linked_signs_nobody_in_and_the_refusal_is_audited()
    {
        var stranger = portal.Tenant.NewUser($"cizi.{Guid.NewGuid():N}@firma.example");
        using var browser = NewSession();

        (await SignInThroughDirectoryAsync(browser, stranger)).ShouldBe($"{AccountSetup.LoginPath}?entra={EntraSignInOutcome.NotLinked}");

        HasSignIn(browser, portal.Server.Address).ShouldBeFalse();
        (await browser.OkPageAsync($"{AccountSetup.LoginPath}?entra={EntraSignInOutcome.NotLinked}")).QuerySelector("[data-testid=login-entra-error]").ShouldNotBeNull();
        (await portal.Data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.EntraSignInRefused && a.Details!.Contains(stranger.ObjectId));
    }

    [Fact]
    public async Task An_identity_of_another_directory_is_neither_linked_nor_signed_in()
    {
        var representative = await RepresentativeAsync();
        var foreign = portal.Tenant.NewUser($"host.{Guid.NewGuid():N}@jina.example", tenantId: Guid.NewGuid().ToString("D"));

        (await LinkAsync(representative, foreign)).ShouldBeOneOf($"/account?entra={EntraLinkOutcome.WrongTenant}", $"/account?entra={EntraLinkOutcome.Failed}");
        (await StoredAsync(representative.Account)).EntraObjectId.ShouldBeNull();

        using var browser = NewSession();
        (await SignInThroughDirectoryAsync(browser, foreign)).ShouldStartWith($"{AccountSetup.LoginPath}?entra=");
        HasSignIn(browser, portal.Server.Address).ShouldBeFalse();
    }

    [Fact]
    public async Task One_identity_links_to_one_account_only()
    {
        var first = await RepresentativeAsync();
        var user = portal.Tenant.NewUser($"sdileny.{Guid.NewGuid():N}@firma.example");
        (await LinkAsync(first, user)).ShouldBe($"/account?entra={EntraLinkOutcome.Linked}");

        var colleague = await portal.Data.AccountAsync(PortalRoles.CompanyRepresentative, first.Organisation);
        var session = NewSession();
        var key = await session.SignInAsync(colleague.UserName, colleague.Password, colleague.AuthenticatorKey);
        var second = new Representative(colleague, first.Organisation, session, key!);

        (await LinkAsync(second, user)).ShouldBe($"/account?entra={EntraLinkOutcome.IdentityTaken}");
        (await StoredAsync(colleague)).EntraObjectId.ShouldBeNull();
    }

    [Fact]
    public async Task Switching_the_tenant_off_ends_the_links_and_the_sign_in_with_them_and_needs_a_fresh_code()
    {
        var representative = await RepresentativeAsync();
        var user = portal.Tenant.NewUser($"vypnuto.{Guid.NewGuid():N}@firma.example");
        (await LinkAsync(representative, user)).ShouldBe($"/account?entra={EntraLinkOutcome.Linked}");

        (await SetTenantAsync(representative, "", code: "000000")).ShouldContain("data-testid=\"entra-tenant\">" + portal.Tenant.TenantId, Case.Sensitive, "a wrong code changes nothing");
        (await SetTenantAsync(representative, "not-a-guid")).ShouldContain("data-testid=\"entra-message\"");
        (await portal.Data.DbAsync(db => db.Organisations.SingleAsync(o => o.Id == representative.Organisation.Id))).EntraTenantId.ShouldBe(portal.Tenant.TenantId);

        await SetTenantAsync(representative, "");

        (await portal.Data.DbAsync(db => db.Organisations.SingleAsync(o => o.Id == representative.Organisation.Id))).EntraTenantId.ShouldBeNull();
        (await StoredAsync(representative.Account)).EntraObjectId.ShouldBeNull();
        using var browser = NewSession();
        (await SignInThroughDirectoryAsync(browser, user)).ShouldBe($"{AccountSetup.LoginPath}?entra={EntraSignInOutcome.NotLinked}");
        (await portal.Data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.EntraTenantSet && a.Actor == representative.Account.UserName);
    }

    [Fact]
    public async Task A_replayed_answer_of_the_directory_signs_nobody_in()
    {
        var representative = await RepresentativeAsync();
        var user = portal.Tenant.NewUser($"replay.{Guid.NewGuid():N}@firma.example");
        (await LinkAsync(representative, user)).ShouldBe($"/account?entra={EntraLinkOutcome.Linked}");
        Uri? reply = null;
        using var browser = NewSession();
        (await SignInThroughDirectoryAsync(browser, user, r => reply = r)).ShouldBe("/applicants");
        reply.ShouldNotBeNull();

        // The answer (code and state) in another browser: it has no correlation cookie of its own.
        using var attacker = NewSession();
        using (var replayed = await ThroughDirectoryAsync(attacker, await attacker.GetAsync(reply.ToString())))
        {
            replayed.Headers.Location!.OriginalString.ShouldBe($"{AccountSetup.LoginPath}?entra={EntraSignInOutcome.Failed}");
        }

        HasSignIn(attacker, portal.Server.Address).ShouldBeFalse();

        // And again in the browser that used it: its correlation cookie was spent with the first answer.
        using var again = await ThroughDirectoryAsync(browser, await browser.GetAsync(reply.ToString()));
        again.Headers.Location!.OriginalString.ShouldBe($"{AccountSetup.LoginPath}?entra={EntraSignInOutcome.Failed}");
    }

    [Fact]
    public async Task Only_a_representative_links_and_a_cancelled_sign_in_says_so()
    {
        var applicant = await portal.Data.ApplicantAsync(null, "Hana");
        var holder = await portal.Data.AccountAsync(PortalRoles.Holder, applicant: applicant);
        using var session = NewSession();
        await session.SignInAsync(holder.UserName, holder.Password);
        var page = await session.OkPageAsync("/account");
        page.QuerySelector("[data-testid=entra-panel]").ShouldBeNull();
        // The page has no linking form for a holder: the post is forged from another form's antiforgery token.
        using (var refused = await session.PostWithPageTokenAsync(EntraEndpoints.LinkPath, page, new Dictionary<string, string> { ["confirm"] = "link" }))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Redirect, await refused.Content.ReadAsStringAsync());
            refused.Headers.Location!.OriginalString.ShouldBe($"/account?entra={EntraLinkOutcome.NotPermitted}");
        }

        using var browser = NewSession();
        portal.Tenant.NextUser = null;
        using var cancelled = await ThroughDirectoryAsync(browser, await browser.GetAsync(EntraEndpoints.SignInPath));
        cancelled.Headers.Location!.OriginalString.ShouldBe($"{AccountSetup.LoginPath}?entra={EntraSignInOutcome.Failed}");
        (await browser.OkPageAsync(cancelled.Headers.Location.OriginalString)).QuerySelector("[data-testid=login-entra-error]").ShouldNotBeNull();
    }
}

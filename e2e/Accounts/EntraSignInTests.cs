using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Accounts;

/// <summary>
/// A representative records the organisation's Entra tenant, links their company account and then signs in with it
/// alone, in Chromium, against a real OpenID Connect provider on loopback laid out as an Entra tenant.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class EntraSignInTests(BrowserFixture browser) : IAsyncLifetime
{
    private EntraTestTenant _tenant = default!;
    private ProductUnderTest _product = default!;

    public async Task InitializeAsync()
    {
        _tenant = await EntraTestTenant.StartAsync();
        _product = await ProductUnderTest.StartWithDemoDeviceAsync(null, _tenant.PortalArguments());
        _tenant.AllowReplyTo(new Uri(_product.PortalUrl));
    }

    public async Task DisposeAsync()
    {
        await _product.DisposeAsync();
        await _tenant.DisposeAsync();
    }

    [Fact]
    public async Task ARepresentativeLinksTheirCompanyAccountAndSignsInThroughTheDirectory()
    {
        var representative = _product.Accounts.Representative;
        var person = _tenant.NewUser("jana.mala@stavby-morava.example");
        var page = await browser.NewPageAsync();
        await page.SignInAsync(_product, representative, "/account");
        await page.GotoAsync($"{_product.PortalUrl}/account");

        // The organisation's tenant, confirmed with a fresh code from the authenticator.
        await Assertions.Expect(page.Locator("[data-testid=entra-tenant]")).ToHaveTextAsync(PortalTexts.Czech("Entra.TenantNone"));
        await page.Locator("[data-testid=entra-tenant-id]").FillAsync(_tenant.TenantId.ToUpperInvariant());
        await page.Locator("[data-testid=entra-tenant-code]").FillAsync(await Totp.UnusedCodeAsync(representative.AuthenticatorKey!));
        await page.Locator("[data-testid=entra-tenant-save]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=entra-message]")).ToHaveTextAsync(PortalTexts.Czech("Entra.TenantSaved"));
        await Assertions.Expect(page.Locator("[data-testid=entra-tenant]")).ToHaveTextAsync(_tenant.TenantId);

        // Linking goes to the directory and back (the page's form-action admits the directory, nothing else).
        _tenant.NextUser = person;
        await page.Locator("[data-testid=entra-link]").ClickAsync();
        await page.WaitForURLAsync($"{_product.PortalUrl}/account?entra=Linked");
        await Assertions.Expect(page.Locator("[data-testid=entra-message]")).ToHaveTextAsync(PortalTexts.Czech("Entra.Link.Linked"));
        await Assertions.Expect(page.Locator("[data-testid=entra-linked]")).ToContainTextAsync(person.UserName);
        await Screenshots.TakeAsync(page, "account-entra-linked-cs");

        // Signed out, then in again with the company account alone: no password, no code (the directory checked its own).
        await page.Locator("[data-testid=sign-out]").ClickAsync();
        await page.WaitForURLAsync("**/account/login");
        await page.GotoAsync($"{_product.PortalUrl}/account/login?returnUrl=%2Fapplicants");
        await Screenshots.TakeAsync(page, "login-with-entra-cs");
        await page.Locator("[data-testid=login-with-entra]").ClickAsync();
        await page.WaitForURLAsync($"{_product.PortalUrl}/applicants");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(PortalTexts.Czech("Nav.Applicants"));

        var signIns = await _product.AuditAsync("account.%");
        signIns.ShouldContain(e => e.Action == "account.entra-linked" && e.Actor == representative.UserName);
        signIns.ShouldContain(e => e.Action == "account.signed-in" && e.Actor == representative.UserName && e.Details.Contains("entra", StringComparison.Ordinal));

        // Someone whose company account nobody linked: refused, in the visitor's language, and signed in to nothing.
        var stranger = await browser.NewPageAsync();
        await stranger.GotoAsync($"{_product.PortalUrl}/culture/en?returnUrl=%2Faccount%2Flogin");
        _tenant.NextUser = _tenant.NewUser("someone.else@stavby-morava.example");
        await stranger.Locator("[data-testid=login-with-entra]").ClickAsync();
        await stranger.WaitForURLAsync("**/account/login?entra=NotLinked");
        await Assertions.Expect(stranger.Locator("[data-testid=login-entra-error]")).ToHaveTextAsync(PortalTexts.English("Login.Entra.NotLinked"));
        await Screenshots.TakeAsync(stranger, "login-entra-refused-en");
    }
}

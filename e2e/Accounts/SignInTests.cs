using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Accounts;

/// <summary>Signing in in Chromium with the demo accounts the portal printed at its first start.</summary>
[Collection(BrowserTests.Name)]
public sealed class SignInTests(BrowserFixture browser) : IAsyncLifetime
{
    private ProductUnderTest _product = default!;

    public async Task InitializeAsync() => _product = await ProductUnderTest.StartWithDemoDeviceAsync();

    public async Task DisposeAsync() => await _product.DisposeAsync();

    [Fact]
    public async Task RepresentativeEnrolsAnAuthenticatorWithTheQrCodeAtFirstSignInAndSeesTheContractNumber()
    {
        var page = await browser.NewPageAsync();
        var representative = _product.Accounts.Representative;

        await page.GotoAsync(_product.PortalUrl + "/applicants");
        page.Url.ShouldContain("/account/login");
        await page.Locator("[data-testid=login-user]").FillAsync(representative.UserName);
        await page.Locator("[data-testid=login-password]").FillAsync(representative.Password);
        await page.Locator("[data-testid=login-submit]").ClickAsync();

        await page.WaitForURLAsync("**/account/two-factor**");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(PortalTexts.Czech("TwoFactor.EnrolTitle"));
        await Assertions.Expect(page.Locator("[data-testid=totp-qr]")).ToBeVisibleAsync();
        (await page.Locator("[data-testid=totp-qr]").EvaluateAsync<int>("img => img.naturalWidth")).ShouldBeGreaterThan(100, "the QR code is a real image");
        var key = (await page.Locator("[data-testid=totp-key]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);

        await page.Locator("[data-testid=totp-code]").FillAsync("000000" == Totp.Code(key) ? "111111" : "000000");
        await page.Locator("[data-testid=totp-submit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=two-factor-error]")).ToHaveTextAsync(PortalTexts.Czech("TwoFactor.Wrong"));

        await page.Locator("[data-testid=totp-code]").FillAsync(await Totp.UnusedCodeAsync(key));
        await page.Locator("[data-testid=totp-submit]").ClickAsync();
        await page.ContinuePastRecoveryCodesAsync();
        await page.WaitForURLAsync($"{_product.PortalUrl}/applicants");
        representative.AuthenticatorKey = key;
        await Assertions.Expect(page.Locator("[data-testid=contract-number]")).ToHaveTextAsync(PortalTexts.Czech("Header.Contract", "SML-2026-000117"));
        await Assertions.Expect(page.Locator("[data-testid=applicant-link]").First).ToBeVisibleAsync();

        await page.Locator("[data-testid=sign-out]").ClickAsync();
        await page.WaitForURLAsync("**/account/login");
        await page.GotoAsync(_product.PortalUrl + "/applicants");
        page.Url.ShouldContain("/account/login");
        _product.Logs.ShouldNotContain(key);
    }

    [Fact]
    public async Task AHolderOpeningAnApplicantOfTheOrganisationGetsTheRefusal()
    {
        var representative = await browser.NewPageAsync();
        await representative.SignInAsync(_product, _product.Accounts.Representative, "/applicants");
        await representative.WaitForInteractiveAsync();
        var someoneElse = await representative.Locator("[data-testid=applicant-link]").First.GetAttributeAsync("data-applicant-id");
        var page = await browser.NewPageAsync(locale: "en-US");
        await page.SignInAsync(_product, _product.Accounts.Holder);

        await page.GotoAsync($"{_product.PortalUrl}/applicants/{someoneElse}");

        await Assertions.Expect(page.Locator("[data-testid=refused]")).ToContainTextAsync(PortalTexts.Czech("Access.Refused"));
        await Assertions.Expect(page.Locator("[data-testid=applicant-name]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("nav a[href=applicants]")).ToHaveCountAsync(0);
    }
}

using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Accounts;

/// <summary>Recovery codes and the staff reset of a lost authenticator, in Chromium, as people use them.</summary>
[Collection(BrowserTests.Name)]
public sealed class RecoveryCodeTests(BrowserFixture browser) : IAsyncLifetime
{
    private ProductUnderTest _product = default!;

    public async Task InitializeAsync() => _product = await ProductUnderTest.StartWithDemoDeviceAsync();

    public async Task DisposeAsync() => await _product.DisposeAsync();

    [Fact]
    public async Task ARepresentativeSavesTheRecoveryCodesSignsInWithOneAndStaffResetTheHoldersAuthenticator()
    {
        var page = await browser.NewPageAsync();
        var representative = _product.Accounts.Representative;

        // The first sign-in sets up the authenticator and shows the recovery codes once.
        await page.GotoAsync($"{_product.PortalUrl}/account/login?returnUrl=%2Fapplicants");
        await page.Locator("[data-testid=login-user]").FillAsync(representative.UserName);
        await page.Locator("[data-testid=login-password]").FillAsync(representative.Password);
        await page.Locator("[data-testid=login-submit]").ClickAsync();
        await page.WaitForURLAsync("**/account/two-factor**");
        representative.AuthenticatorKey = (await page.Locator("[data-testid=totp-key]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await page.Locator("[data-testid=totp-code]").FillAsync(await Totp.UnusedCodeAsync(representative.AuthenticatorKey));
        await page.Locator("[data-testid=totp-submit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=recovery-code-item]")).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(PortalTexts.Czech("RecoveryCodes.Title"));
        var codes = await page.Locator("[data-testid=recovery-code-item]").AllInnerTextsAsync();
        await Screenshots.TakeAsync(page, "recovery-codes-after-enrolment-cs");
        await page.Locator("[data-testid=recovery-continue]").ClickAsync();
        await page.WaitForURLAsync($"{_product.PortalUrl}/applicants");

        // Without the phone: a recovery code instead of the app's code.
        await page.Locator("[data-testid=sign-out]").ClickAsync();
        await page.WaitForURLAsync("**/account/login");
        await page.Locator("[data-testid=login-user]").FillAsync(representative.UserName);
        await page.Locator("[data-testid=login-password]").FillAsync(representative.Password);
        await page.Locator("[data-testid=login-submit]").ClickAsync();
        await page.WaitForURLAsync("**/account/two-factor**");
        await page.Locator("[data-testid=recovery-sign-in] summary").ClickAsync();
        await page.Locator("[data-testid=recovery-code]").FillAsync("NOT-A-CODE");
        await page.Locator("[data-testid=recovery-submit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=recovery-error]")).ToHaveTextAsync(PortalTexts.Czech("TwoFactor.RecoveryWrong"));
        await Screenshots.TakeAsync(page, "two-factor-recovery-code-cs");
        await page.Locator("[data-testid=recovery-code]").FillAsync(codes[0]);
        await page.Locator("[data-testid=recovery-submit]").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));

        // The account page counts what is left and makes a new set after a fresh code.
        await page.GotoAsync($"{_product.PortalUrl}/account");
        await Assertions.Expect(page.Locator("[data-testid=recovery-remaining]")).ToHaveTextAsync(PortalTexts.Czech("RecoveryCodes.Remaining", 9));
        await Screenshots.TakeAsync(page, "account-recovery-codes-cs");
        await page.Locator("[data-testid=recovery-confirm-code]").FillAsync(await Totp.UnusedCodeAsync(representative.AuthenticatorKey));
        await page.Locator("[data-testid=recovery-new]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=recovery-code-item]")).ToHaveCountAsync(10);
        (await page.Locator("[data-testid=recovery-code-item]").AllInnerTextsAsync()).ShouldNotContain(codes[1]);
        await Screenshots.TakeAsync(page, "account-new-recovery-codes-cs");

        // An RA operator resets the holder's lost authenticator, confirming with the operator's own code.
        var staff = await browser.NewPageAsync();
        await staff.SignInAsync(_product, _product.Accounts.RaOperator, "/applicants");
        await staff.WaitForInteractiveAsync();
        await staff.Locator("[data-testid=applicant-link]", new PageLocatorOptions { HasText = "Novák" }).First.ClickAsync();
        await staff.WaitForInteractiveAsync();
        await staff.Locator("[data-testid=authenticator-reset-open]").ClickAsync();
        await staff.FieldInput("authenticator-reset-code").FillAsync("000000" == Totp.Code(_product.Accounts.RaOperator.AuthenticatorKey!) ? "111111" : "000000");
        await staff.Locator("[data-testid=authenticator-reset-confirm]").ClickAsync();
        await Assertions.Expect(staff.Locator("[data-testid=authenticator-reset-message]")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(staff, "applicant-authenticator-reset-cs");
        await staff.FieldInput("authenticator-reset-code").FillAsync(await Totp.UnusedCodeAsync(_product.Accounts.RaOperator.AuthenticatorKey!));
        await staff.Locator("[data-testid=authenticator-reset-confirm]").ClickAsync();
        await Assertions.Expect(staff.Locator(".mud-snackbar")).ToBeVisibleAsync();
        await Assertions.Expect(staff.Locator("[data-testid=authenticator-reset-open]")).ToBeVisibleAsync();

        // The same panel in English.
        var applicantPath = new Uri(staff.Url).AbsolutePath;
        await staff.GotoAsync($"{_product.PortalUrl}/culture/en?returnUrl={Uri.EscapeDataString(applicantPath)}");
        await staff.WaitForInteractiveAsync();
        await staff.Locator("[data-testid=authenticator-reset-open]").ClickAsync();
        await Assertions.Expect(staff.Locator("[data-testid=authenticator-reset-confirm]")).ToHaveTextAsync(PortalTexts.English("AuthenticatorReset.Confirm"));
        await Screenshots.TakeAsync(staff, "applicant-authenticator-reset-en");
        _product.Logs.ShouldNotContain(codes[0]);
        _product.Logs.ShouldNotContain(representative.AuthenticatorKey);
    }
}

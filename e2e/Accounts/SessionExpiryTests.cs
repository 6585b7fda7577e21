using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Shouldly;

namespace Qtsp.E2E.Accounts;

/// <summary>
/// A sign-in ends after a while without activity, also in an open page (a circuit hears nothing of its cookie). The person
/// is told why on the sign-in page, and the form they were filling in is back after they sign in again.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class SessionExpiryTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(12);
    private ProductUnderTest _product = default!;

    public async Task InitializeAsync() =>
        _product = await ProductUnderTest.StartWithDemoDeviceAsync(allowedOrigins: null, $"--Portal:Session:IdleTimeout={IdleTimeout:c}");

    public async Task DisposeAsync() => await _product.DisposeAsync();

    [Fact]
    public async Task Use_keeps_the_sign_in_idleness_ends_it_with_the_reason_and_the_form_comes_back_after_signing_in()
    {
        var page = await browser.NewPageAsync();
        var representative = _product.Accounts.Representative;
        await page.SignInAsync(_product, representative, "/applicants/new");
        await page.WaitForInteractiveAsync();
        await Field(page, "FirstName").FillAsync("Alena");
        await Field(page, "LastName").FillAsync("Nečinná");
        await Field(page, "DateOfBirth").FillAsync("1988-06-30");

        // Typing now and then for longer than the idle time keeps the sign-in.
        var typing = DateTime.UtcNow;
        while (DateTime.UtcNow - typing < IdleTimeout + TimeSpan.FromSeconds(4))
        {
            await Field(page, "Email").PressSequentiallyAsync("a");
            await Task.Delay(2_000);
        }

        page.Url.ShouldEndWith("/applicants/new", Case.Sensitive, "still signed in while in use");
        await Field(page, "Email").FillAsync("alena.necinna@stavby-morava.example");

        // Left alone, the e-mail still in its field (not yet sent: no change event), the page goes to the sign-in page, saying why.
        await page.WaitForURLAsync("**/account/login?expired=true**", new PageWaitForURLOptions { Timeout = (float)(IdleTimeout * 3).TotalMilliseconds });
        await Assertions.Expect(page.Locator("[data-testid=login-expired]"))
            .ToHaveTextAsync(PortalTexts.Czech("Login.SessionExpired", 1));
        (await _product.AuditAsync("account.session-expired")).ShouldHaveSingleItem().Actor.ShouldBe(representative.UserName);

        // The cookie ran out too: the sign-in page asks for the password, and the form is back as it was left.
        await page.SignInHereAsync(representative);
        page.Url.ShouldEndWith("/applicants/new");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=draft-restored]")).ToBeVisibleAsync();
        await Assertions.Expect(Field(page, "FirstName")).ToHaveValueAsync("Alena");
        await Assertions.Expect(Field(page, "LastName")).ToHaveValueAsync("Nečinná");
        await Assertions.Expect(Field(page, "Email")).ToHaveValueAsync("alena.necinna@stavby-morava.example");
        await Assertions.Expect(Field(page, "DateOfBirth")).ToHaveValueAsync("1988-06-30");

        await page.Locator("[data-testid=save]").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/applicants/\\d+$"));
        await Assertions.Expect(page.Locator("[data-testid=applicant-name]")).ToHaveTextAsync("Alena Nečinná");

        // Saved: the draft is gone, a new form starts empty.
        await page.OpenAsync(_product, "/applicants/new");
        await Assertions.Expect(Field(page, "FirstName")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("[data-testid=draft-restored]")).ToHaveCountAsync(0);
    }

    private static ILocator Field(IPage page, string name) => page.Locator($"[data-testid=field-{name}]");
}

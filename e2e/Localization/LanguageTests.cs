using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;

namespace Qtsp.E2E.Localization;

/// <summary>Czech by default; the switch changes the language and keeps the user on the same page.</summary>
[Collection(BrowserTests.Name)]
public sealed class LanguageTests(BrowserFixture browser)
{
    [Fact]
    public async Task CzechByDefaultEvenForAnEnglishBrowserAndTheSwitchKeepsThePage()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var page = await browser.NewPageAsync(locale: "en-US");

        await page.SignInAsync(product, product.Accounts.Holder);
        await page.GotoAsync(product.PortalUrl + "/token");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Můj token");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "cs");

        await page.Locator(".language-switch a[lang=en]").ClickAsync();
        await page.WaitForURLAsync(product.PortalUrl + "/token");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("My token");
        await Assertions.Expect(page.Locator("[data-testid=device]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=area][data-area-kind=Qualified]")).ToContainTextAsync("Qualified area");

        await page.GotoAsync(product.PortalUrl + "/");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
    }
}

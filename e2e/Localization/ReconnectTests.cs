using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;

namespace Qtsp.E2E.Localization;

/// <summary>
/// The connection-lost overlay: the Blazor script in use only toggles classes on the modal, so this checks
/// that users actually see it, in their language, and are told to reload when the server forgot the session.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class ReconnectTests(BrowserFixture browser)
{
    [Fact]
    public async Task LostServerShowsTheOverlayAndAForgottenSessionAsksForReload()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var page = await browser.NewPageAsync();
        await page.SignInAsync(product, product.Accounts.Holder);
        await page.GotoAsync(product.PortalUrl + "/token");
        await Assertions.Expect(page.Locator("[data-testid=device]")).ToHaveCountAsync(1);
        var modal = page.Locator("#components-reconnect-modal");
        await Assertions.Expect(modal).ToBeHiddenAsync();

        await product.StopPortalAsync();

        await Assertions.Expect(modal).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 10_000 });
        await Assertions.Expect(modal.Locator(".reconnect-show-text")).ToContainTextAsync("Obnovuji spojení");
    }
}

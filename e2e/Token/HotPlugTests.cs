using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;

namespace Qtsp.E2E.Token;

/// <summary>Devices arriving and leaving show up on the open page within 3 seconds.</summary>
[Collection(BrowserTests.Name)]
public sealed class HotPlugTests(BrowserFixture browser) : IAsyncLifetime
{
    private ProductUnderTest _product = default!;

    public async Task InitializeAsync() => _product = await ProductUnderTest.StartWithDemoDeviceAsync();

    public async Task DisposeAsync() => await _product.DisposeAsync();

    [Fact]
    public async Task RemovedDeviceDisappearsAndReturnsWhenPluggedInAgain()
    {
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(_product);
        await Assertions.Expect(page.Devices).ToHaveCountAsync(1);

        _product.Demo!.Unplug();
        await Assertions.Expect(page.Devices).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 3_000 });
        await Assertions.Expect(page.NoDevice).ToBeVisibleAsync();

        _product.Demo.PlugIn();
        await Assertions.Expect(page.Devices).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = 3_000 });
        await Assertions.Expect(page.Area("Qualified")).ToHaveCountAsync(1);
    }
}

using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Token;

/// <summary>The README's run setup in Chromium: the demo eToken 5110 CC on My token, checked against pkcs11-tool.</summary>
[Collection(BrowserTests.Name)]
public sealed class DemoDeviceTests(BrowserFixture browser) : IAsyncLifetime
{
    private ProductUnderTest _product = default!;

    public async Task InitializeAsync() => _product = await ProductUnderTest.StartWithDemoDeviceAsync();

    public async Task DisposeAsync() => await _product.DisposeAsync();

    [Fact]
    public async Task ShowsTheDemoDeviceWithBothAreasCertificateAndServiceKey()
    {
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(_product);

        await Assertions.Expect(page.Devices).ToHaveCountAsync(1);
        var device = page.Devices.First;
        await Assertions.Expect(device.Locator("[data-testid=device-model]")).ToHaveTextAsync("SafeNet eToken 5110 CC");
        await Assertions.Expect(device.Locator("[data-testid=device-serial]")).ToContainTextAsync(_product.Demo!.Serial);

        await Assertions.Expect(page.Area("Standard")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Area("Qualified")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Area("Qualified").Locator("[data-testid=certificate-subject]")).ToContainTextAsync($"CN={DemoDevice.Holder}");
        await Assertions.Expect(page.Area("Standard").Locator("[data-testid=key][data-role=ServiceKey] [data-testid=key-label]")).ToHaveTextAsync("SERVICE KEY");
        await Assertions.Expect(page.Area("Qualified").Locator("[data-testid=pin-status][data-pin-kind=QPin]")).ToHaveAttributeAsync("data-pin-state", "Ok");
    }

    [Fact]
    public async Task At_800_pixels_nothing_overflows_and_the_module_path_waits_in_the_diagnostics()
    {
        var page = new TokenPage(await browser.NewPageAsync());
        await page.Page.SetViewportSizeAsync(800, 1000);
        await page.OpenAsync(_product);
        await Assertions.Expect(page.Area("Qualified").Locator("[data-testid=certificate]")).ToHaveCountAsync(1);

        (await page.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= document.documentElement.clientWidth")).ShouldBeTrue("the page scrolls sideways");
        var module = page.Devices.First.Locator("[data-testid=device-module]");
        await Assertions.Expect(module).Not.ToBeVisibleAsync();
        await page.Devices.First.Locator("[data-testid=device-diagnostics] summary").ClickAsync();
        await Assertions.Expect(module).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ListsExactlyWhatPkcs11ToolListsOnEachArea()
    {
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(_product);
        await Assertions.Expect(page.Devices).ToHaveCountAsync(1);

        var demo = _product.Demo!;
        foreach (var (kind, label) in new[] { ("Standard", DemoDevice.StandardLabel), ("Qualified", DemoDevice.QualifiedLabel) })
        {
            var slot = (await demo.TokenAsync(label)).SlotId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var listing = await ProcessRunner.RunCheckedAsync("pkcs11-tool", ["--module", RepositoryPaths.SoftHsmModule, "--slot", slot, "-O"], demo.Environment);
            var listed = Pkcs11ToolObjects.Parse(listing.Output);
            var expectedKeys = listed.Where(o => o.Kind == "Public Key").Select(o => (o.Label, o.IdHex)).ToHashSet();
            var expectedCertificates = listed.Where(o => o.Kind == "Certificate").Select(o => o.IdHex).ToHashSet();
            var shown = await TokenPage.ObjectsAsync(page.Area(kind));

            expectedKeys.ShouldNotBeEmpty();
            shown.PublicKeys.ShouldBe(expectedKeys, ignoreOrder: true, $"public keys of the {kind} area");
            shown.CertificateIds.ShouldBe(expectedCertificates, ignoreOrder: true, $"certificates of the {kind} area");
        }
    }
}

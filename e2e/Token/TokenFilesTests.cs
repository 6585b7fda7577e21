using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Token;

/// <summary>Files in and out of the device through the page (PKCS#12 import, DER export), renaming and cancelling a slow operation.</summary>
[Collection(BrowserTests.Name)]
public sealed class TokenFilesTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_pkcs12_file_imports_after_the_warning_and_a_certificate_exports_as_the_der_on_the_device()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        var directory = RepositoryPaths.NewTemporaryDirectory("e2e-pkcs12");
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=Imported In The Browser", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1));
        var pfx = Path.Combine(directory, "backup.p12");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "Zaloha-2026"));
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);

        await page.Area("Standard").Locator("[data-testid=action-import]").ClickAsync();
        var dialog = new SecretDialog(page.Page);
        await Assertions.Expect(dialog.Root).ToContainTextAsync("nikdy nebude kvalifikovaným");
        await dialog.Root.Locator("input[type=file]").SetInputFilesAsync(pfx);
        await dialog.FillAsync(("password", "spatne-heslo"), ("pin", DemoDevice.Pin));
        await dialog.SubmitAsync();
        await Assertions.Expect(dialog.Message).ToContainTextAsync("Heslo k souboru PKCS#12 není správné");
        await dialog.Root.Locator("input[type=file]").SetInputFilesAsync(pfx);
        await dialog.SubmitAndCloseAsync(("password", "Zaloha-2026"), ("pin", DemoDevice.Pin));

        var imported = page.Area("Standard").Locator("[data-testid=certificate]");
        await Assertions.Expect(imported).ToHaveCountAsync(1);
        await Assertions.Expect(imported).ToContainTextAsync("Imported In The Browser");
        (await demo.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).Count(o => o.Label == "Imported In The Browser").ShouldBe(3);

        await page.Area("Qualified").Locator("[data-testid=certificate-detail]").ClickAsync();
        await Assertions.Expect(page.Page.Locator("[data-testid=detail-qc]")).ToContainTextAsync("QcSSCD");
        await Assertions.Expect(page.Page.Locator("[data-testid=detail-policies]")).ToContainTextAsync("QCP-n-qscd");
        var download = await page.Page.RunAndWaitForDownloadAsync(() => page.Page.Locator("[data-testid=export-der]").ClickAsync());
        var exported = Path.Combine(directory, "exported.cer");
        await download.SaveAsAsync(exported);
        var onDevice = Path.Combine(directory, "on-device.cer");
        (await demo.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "--read-object", "--type", "cert", "--id", "01", "--output-file", onDevice)).ExitCode.ShouldBe(0);
        (await File.ReadAllBytesAsync(exported)).ShouldBe(await File.ReadAllBytesAsync(onDevice));
        var sha256 = await page.Page.Locator("[data-testid=detail-sha256]").InnerTextAsync();
        sha256.ShouldBe(Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(onDevice))));
    }

    [Fact]
    public async Task Renaming_warns_about_diacritics_and_the_device_shows_the_new_name()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);

        await page.Page.Locator("[data-testid=action-rename]").ClickAsync();
        var label = page.Page.Locator("input[data-testid=rename-label]");
        await label.FillAsync("Nový");
        await Assertions.Expect(page.Page.Locator("[data-testid=rename-warning]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Page.Locator("[data-testid=rename-save]")).ToBeDisabledAsync();
        await label.FillAsync("x (CC)");
        await Assertions.Expect(page.Page.Locator("[data-testid=rename-problem]")).ToContainTextAsync("označení kvalifikované oblasti");
        await Assertions.Expect(page.Page.Locator("[data-testid=rename-save]")).ToBeDisabledAsync();
        await label.FillAsync("Novak2026");
        await Assertions.Expect(page.Page.Locator("[data-testid=rename-problem]")).ToContainTextAsync("nejvýše 8 bajtů");
        await label.FillAsync("Novak26");
        await Assertions.Expect(page.Page.Locator("[data-testid=rename-warning]")).ToHaveCountAsync(0);
        await page.Page.Locator("[data-testid=rename-save]").ClickAsync();

        await Assertions.Expect(page.Area("Standard")).ToContainTextAsync("Novak26");
        await Assertions.Expect(page.Area("Qualified")).ToContainTextAsync("Novak26 (Digital Signature PIN)");
    }

    [Fact]
    public async Task Cancelling_a_slow_key_generation_answers_at_once_and_leaves_no_key()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        demo.SetSlowness(TimeSpan.FromSeconds(3));

        await page.StartRequestAsync("Standard", DemoDevice.Holder);
        var dialog = new SecretDialog(page.Page);
        await dialog.FillAsync(("pin", DemoDevice.Pin));
        await dialog.SubmitAsync();
        await Assertions.Expect(page.Page.Locator("[data-testid=secret-dialog-progress]")).ToContainTextAsync("Generuji");
        await dialog.CancelAsync();

        await Assertions.Expect(dialog.Root).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 2_000 });
        await Assertions.Expect(SecretDialog.Notification(page.Page, "zrušena")).ToBeVisibleAsync();
        demo.SetSlowness(null);
        await Task.Delay(TimeSpan.FromSeconds(4)); // the card finishes its step; the agent then removes the key
        (await demo.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).ShouldNotContain(o => o.Label.StartsWith("p11#", StringComparison.Ordinal));
    }
}

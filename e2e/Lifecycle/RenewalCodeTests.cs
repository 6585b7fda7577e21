using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.E2E.Token;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Lifecycle;

/// <summary>
/// Renewal with a prepaid code, in Chromium against the real portal and agent with the demo device: an RA operator makes
/// a batch and reads the code from the shown-once list; the holder enters it, picks "from the end of the current
/// certificate", signs the renewal application on the token with the QPIN, confirms contacts, and the CA issues onto the
/// card — the new certificate starts when the old one ends. The code then cannot be used again, and a guesser is held back.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class RenewalCodeTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_code_bought_for_a_card_renews_from_the_end_of_the_current_certificate_once()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        var directory = RepositoryPaths.NewTemporaryDirectory("e2e-renewal-code");
        var leafFile = Path.Combine(directory, "leaf.der");
        (await demo.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "--read-object", "--type", "cert", "--id", "01", "--output-file", leafFile)).ExitCode.ShouldBe(0);
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(leafFile);

        // Staff sell a batch: the codes are shown once.
        var staff = await browser.NewPageAsync();
        await staff.SignInAsync(product, product.Accounts.RaOperator, "/renewal-codes");
        await staff.OpenAsync(product, "/renewal-codes");
        await staff.FieldInput("batch-count").FillAsync("2");
        await staff.Locator("[data-testid=batch-create]").ClickAsync();
        var codes = staff.Locator("[data-testid=renewal-code]");
        await Assertions.Expect(codes).ToHaveCountAsync(2, new LocatorAssertionsToHaveCountOptions { Timeout = 15_000 });
        var code = (await codes.First.TextContentAsync())!.Trim();
        code.Length.ShouldBe(23);
        await Screenshots.TakeAsync(staff, "renewal-codes-batch");
        await staff.Locator("[data-testid=renewal-codes-hide]").ClickAsync();
        await Assertions.Expect(codes).ToHaveCountAsync(0);
        await Assertions.Expect(staff.Locator("[data-testid=renewal-batch]")).ToHaveCountAsync(1);

        // The holder, from the reminder's landing on My token, into the wizard for that certificate.
        var holder = new TokenPage(await browser.NewPageAsync());
        await holder.OpenAsync(product);
        await holder.WaitForStateAsync("connected", 20_000);
        var page = holder.Page;
        await page.OpenAsync(product, "/renew-with-code");
        var panel = page.Locator("[data-testid=wizard-panel]");
        await page.FieldInput("code-input").FillAsync(code.ToLowerInvariant());
        await page.Locator("[data-testid=code-check]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=code-offer]")).ToHaveAttributeAsync("data-term", "12");
        await Assertions.Expect(page.Locator("[data-testid=code-offer]")).ToHaveAttributeAsync("data-medium", "Card");
        await Screenshots.TakeAsync(page, "renewal-code-offer");
        await Assertions.Expect(page.Locator("[data-testid=wizard-next]")).ToBeEnabledAsync();
        await page.Locator("[data-testid=wizard-next]").ClickAsync();
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-step", "Start");
        await page.Locator("[data-testid=wizard-next]").ClickAsync();
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-step", "Certificate");
        await Assertions.Expect(page.Locator("[data-testid=certificate-option]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=wizard-next]")).ToBeEnabledAsync(new LocatorAssertionsToBeEnabledOptions { Timeout = 15_000 });
        await page.Locator("[data-testid=wizard-next]").ClickAsync();
        var application = page.Locator("[data-testid=application-text]");
        await Assertions.Expect(application).ToContainTextAsync("QTSP-DOCUMENT/1 renewal-application");
        await Assertions.Expect(application).ToContainTextAsync(leaf.SerialNumber);
        await Screenshots.TakeAsync(page, "renewal-code-application");

        // Signed on the token with the QPIN; the portal verifies signature, chain and status.
        await page.Locator("[data-testid=application-sign]").ClickAsync();
        await new SecretDialog(page).SubmitAndCloseAsync(("pin", DemoDevice.QPin));
        await Assertions.Expect(page.Locator("[data-testid=application-signed]")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 });
        await page.FieldInput("contact-phone").FillAsync("+420 777 123 456");
        await page.Locator("[data-testid=wizard-next]").ClickAsync();
        await Assertions.Expect(panel).ToHaveAttributeAsync("data-step", "Issue");

        // The new key on the card, the CA issues, the certificate goes next to it.
        await page.Locator("[data-testid=renewal-issue]").ClickAsync();
        await new SecretDialog(page).SubmitAndCloseAsync(("pin", DemoDevice.Pin), ("qpin", DemoDevice.QPin));
        await new SecretDialog(page).SubmitAndCloseAsync(("pin", DemoDevice.QPin));
        var issued = page.Locator("[data-testid=renewal-issued]");
        await Assertions.Expect(issued).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 20_000 });
        await Assertions.Expect(issued).ToHaveAttributeAsync("data-installed", "true");
        await Screenshots.TakeAsync(page, "renewal-code-issued");
        var serial = (await issued.GetAttributeAsync("data-serial"))!;
        var renewed = await PkiChecks.CertificateOnDeviceAsync(demo, serial);
        renewed.NotBefore.ToUniversalTime().ShouldBe(leaf.NotAfter.ToUniversalTime(), "from the end of the current certificate");
        renewed.NotAfter.ToUniversalTime().ShouldBe(new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).AddMonths(12).UtcDateTime);
        renewed.Subject.ShouldBe(leaf.Subject);
        var redeemed = (await product.AuditAsync("renewal-code.redeemed")).ShouldHaveSingleItem();
        redeemed.Actor.ShouldBe(product.Accounts.Holder.UserName);
        (await product.AuditAsync("renewal-code.application-signed")).ShouldHaveSingleItem().Details.ShouldContain(leaf.SerialNumber);

        // The same code again: refused.
        await page.OpenAsync(product, "/renew-with-code");
        await page.FieldInput("code-input").FillAsync(code);
        await page.Locator("[data-testid=code-check]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=wizard-error]")).ToContainTextAsync(PortalTexts.Czech("RenewalCodes.Refusal.AlreadyUsed"));

        // Twenty wrong codes within a minute: the guesser is held back with a clear message.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await page.FieldInput("code-input").FillAsync($"AAAAA-AAAAA-AAAAA-AAA{attempt % 10}{attempt / 10}");
            await page.Locator("[data-testid=code-check]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=wizard-error]")).ToBeVisibleAsync();
        }

        await Assertions.Expect(page.Locator("[data-testid=wizard-error]")).ToContainTextAsync(PortalTexts.Czech("RenewalCodes.Refusal.Throttled"));
        await Screenshots.TakeAsync(page, "renewal-code-throttled");
        // The clicks were sent faster than the circuit works through them: each one is audited once it has been handled.
        var refusals = 0;
        for (var wait = 0; wait < 60 && (refusals = (await product.AuditAsync("renewal-code.refused")).Count) < 21; wait++)
        {
            await Task.Delay(250);
        }

        refusals.ShouldBeGreaterThanOrEqualTo(21);
    }
}

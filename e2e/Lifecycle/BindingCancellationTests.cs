using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.E2E.Token;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Lifecycle;

/// <summary>
/// A holder without a representative cancels the binding of their person to the demo device from My token: the page
/// shows the request's text, the agent signs it on the token with the qualified key (a wrong QPIN first costs a try and
/// is said), the portal verifies it, revokes the certificate on the device and frees the device. OCSP is the judge of
/// the revocation, the audit trail of who did it and how.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class BindingCancellationTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_holder_cancels_their_binding_with_a_request_signed_on_the_token()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        var directory = RepositoryPaths.NewTemporaryDirectory("e2e-binding");
        var leafFile = Path.Combine(directory, "leaf.der");
        (await demo.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "--read-object", "--type", "cert", "--id", "01", "--output-file", leafFile)).ExitCode.ShouldBe(0);
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(leafFile);
        var chain = await PkiChecks.FetchChainAsync(leaf, directory);
        (await PkiChecks.OcspAsync(chain)).ShouldContain("leaf.pem: good");

        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        await page.Page.Locator("[data-testid=action-cancel-binding]").ClickAsync();
        var dialog = page.Page.Locator("[data-testid=cancel-binding-signed-dialog]");
        await Assertions.Expect(dialog.Locator("[data-testid=cancel-binding-certificate]")).ToHaveCountAsync(1);
        await Assertions.Expect(dialog.Locator("[data-testid=cancel-binding-certificate]")).ToHaveAttributeAsync("data-serial", leaf.SerialNumber);

        // Without a reason nothing is prepared, and the field says why.
        await page.Page.Locator("[data-testid=cancel-binding-prepare]").ClickAsync();
        await Assertions.Expect(dialog.Locator("[data-testid=error-CancellationReason]")).ToHaveTextAsync(PortalTexts.Czech("Validation.Required"));
        await page.Page.FieldInput("cancel-binding-reason").FillAsync("Odchod od zaměstnavatele");
        await page.Page.Locator("[data-testid=cancel-binding-prepare]").ClickAsync();
        var document = dialog.Locator("[data-testid=cancel-binding-document]");
        await Assertions.Expect(document).ToContainTextAsync("QTSP-DOCUMENT/1 binding-cancellation");
        await Assertions.Expect(document).ToContainTextAsync(demo.Serial);
        await Assertions.Expect(document).ToContainTextAsync(leaf.SerialNumber);
        await Assertions.Expect(document).ToContainTextAsync(PortalTexts.Czech("Certificates.Reason.CessationOfOperation"));
        await Screenshots.TakeAsync(page.Page, "binding-cancellation-document");

        // A wrong QPIN spends a try on the device and is said; the right one signs.
        await page.Page.Locator("[data-testid=cancel-binding-sign]").ClickAsync();
        var secrets = new SecretDialog(page.Page);
        await secrets.FillAsync(("pin", "654321"));
        await secrets.SubmitAsync();
        await Assertions.Expect(secrets.Message).ToContainTextAsync("Nesprávný QPIN");
        await secrets.SubmitAndCloseAsync(("pin", DemoDevice.QPin));
        await Assertions.Expect(SecretDialog.Notification(page.Page, PortalTexts.Czech("Bindings.Signed.Done", demo.Serial, 1))).ToBeVisibleAsync(
            new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 });
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(page.Page.Locator("[data-testid=action-cancel-binding]")).ToHaveCountAsync(0);

        var ocsp = await PkiChecks.OcspAsync(chain);
        ocsp.ShouldContain("leaf.pem: revoked");
        ocsp.ShouldContain("Reason: cessationOfOperation");
        var cancelled = (await product.AuditAsync("binding.cancelled")).ShouldHaveSingleItem();
        cancelled.Actor.ShouldBe(product.Accounts.Holder.UserName);
        cancelled.Details.ShouldContain("signed-request");
        cancelled.Details.ShouldContain(leaf.SerialNumber);
        var signing = await product.AuditAsync("token.document.signed");
        signing.Count.ShouldBe(2, "the wrong QPIN and the signature are both on the record");
        signing[0].Details.ShouldContain("PinIncorrect");
        signing[1].Details.ShouldContain("Succeeded");
        (await product.AuditAsync("certificate.revoked")).ShouldHaveSingleItem().Details.ShouldContain("signed-request");
    }
}

using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Lifecycle;

/// <summary>
/// Revocation as relying parties see it: the demo holder's qualified certificate, read from the device, is good at the
/// OCSP responder its AIA names; the holder revokes it in the page (key compromise, confirmed with the password); the
/// responder says revoked with that reason at once, the CRL at its distribution point lists it within seconds, and
/// `openssl verify -crl_check` refuses it.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class RevocationStatusTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_revocation_in_the_page_reaches_OCSP_at_once_and_the_CRL_within_seconds()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var directory = RepositoryPaths.NewTemporaryDirectory("e2e-status");
        var leafFile = Path.Combine(directory, "leaf.der");
        (await product.Demo!.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "--read-object", "--type", "cert", "--id", "01", "--output-file", leafFile)).ExitCode.ShouldBe(0);
        using var leaf = X509CertificateLoader.LoadCertificateFromFile(leafFile);
        var chain = await PkiChecks.FetchChainAsync(leaf, directory);

        (await PkiChecks.OcspAsync(chain)).ShouldContain("leaf.pem: good");

        var page = await browser.NewPageAsync();
        await page.SignInAsync(product, product.Accounts.Holder, "/certificates");
        await page.OpenAsync(product, "/certificates");
        await page.Locator("[data-testid=certificate-row]", new PageLocatorOptions { HasText = leaf.SerialNumber }).Locator("a").First.ClickAsync();
        await page.WaitForInteractiveAsync();
        await page.Locator("[data-testid=revoke]").ClickAsync();
        await page.Locator("[data-testid=revoke-reason]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasTextString = PortalTexts.Czech("Certificates.Reason.KeyCompromise") }).First.ClickAsync();
        await page.FieldInput("revoke-password").FillAsync(product.Accounts.Holder.Password);
        await page.Locator("[data-testid=revoke-confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=revoked-at]")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 });

        // OCSP answers from the registry: revoked, with its reason, at once.
        var ocsp = await PkiChecks.OcspAsync(chain);
        ocsp.ShouldContain("leaf.pem: revoked");
        ocsp.ShouldContain("Reason: keyCompromise");

        // The CRL follows within seconds.
        var crlUrl = leaf.Extensions.OfType<X509Extension>().Single(e => e.Oid?.Value == "2.5.29.31").Format(false);
        var url = crlUrl[crlUrl.IndexOf("http", StringComparison.Ordinal)..].Trim();
        var crlFile = Path.Combine(directory, "crl.der");
        string crlText = "";
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 20 && !crlText.Contains(leaf.SerialNumber, StringComparison.OrdinalIgnoreCase); attempt++)
        {
            await Task.Delay(500);
            await File.WriteAllBytesAsync(crlFile, await http.GetByteArrayAsync(url));
            crlText = (await ProcessRunner.RunCheckedAsync("openssl", ["crl", "-inform", "DER", "-in", crlFile, "-CAfile", chain.Bundle, "-noout", "-text"])).Combined;
        }

        crlText.ShouldContain("verify OK");
        crlText.ShouldContain(leaf.SerialNumber, Case.Insensitive);
        crlText.ShouldContain("Key Compromise");
        var crlPem = Path.Combine(directory, "crl.pem");
        await ProcessRunner.RunCheckedAsync("openssl", ["crl", "-inform", "DER", "-in", crlFile, "-out", crlPem]);
        var verify = await ProcessRunner.RunAsync("openssl", ["verify", "-crl_check", "-CRLfile", crlPem, "-CAfile", chain.Root, "-untrusted", chain.Issuing, chain.Leaf]);
        verify.ExitCode.ShouldNotBe(0);
        verify.Combined.ShouldContain("certificate revoked");
    }
}

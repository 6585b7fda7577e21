using System.Net.Sockets;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.E2E.Token;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.RunCommand;

/// <summary>The README's first command, run as a person runs it: what it prints, what it serves, Ctrl+C, a second start.</summary>
[Collection(BrowserTests.Name)]
public sealed class RunCommandTests(BrowserFixture browser)
{
    [Fact]
    public async Task Run_serves_the_demo_device_to_the_printed_account_stops_on_ctrl_c_and_keeps_its_data_for_the_next_start()
    {
        var data = RepositoryPaths.NewTemporaryDirectory("e2e-run");
        try
        {
            string serial;
            DemoAccount holder;
            await using (var first = await ProductUnderTest.StartWithRunCommandAsync(data))
            {
                first.PortalOutput.ShouldContain($"Portal:      {first.PortalUrl}");
                first.PortalOutput.ShouldContain($"Token agent: {first.AgentUrl}");
                holder = first.Accounts.Holder;
                serial = first.Demo!.Serial;

                var page = new TokenPage(await browser.NewPageAsync());
                await page.OpenAsync(first);
                await Assertions.Expect(page.Devices).ToHaveCountAsync(1);
                await Assertions.Expect(page.Devices.First.Locator("[data-testid=device-serial]")).ToContainTextAsync(serial);
                await Assertions.Expect(page.Area("Qualified").Locator("[data-testid=certificate-subject]")).ToContainTextAsync($"CN={DemoDevice.Holder}");
                await Assertions.Expect(page.Area("Standard").Locator("[data-testid=key][data-role=ServiceKey]")).ToHaveCountAsync(1);
                await DemoCertificateIsTheEmbeddedCasAsync(first, page);

                // With the page still open: an open circuit must not hold the portal up (the host's timeout is 30 s).
                (await first.InterruptAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue($"Ctrl+C ends the run command promptly:\n{first.PortalOutput}");
                await ShouldBeClosedAsync(first.PortalUrl);
                await ShouldBeClosedAsync(first.AgentUrl);
            }

            // A second start on the same folder: the same device and accounts; no new passwords are printed.
            await using var second = await ProductUnderTest.StartWithRunCommandAsync(data);
            second.PortalOutput.Contains("Demo accounts (created now", StringComparison.Ordinal).ShouldBeFalse(second.PortalOutput);
            second.PortalOutput.ShouldNotContain(holder.Password);
            second.Demo!.Serial.ShouldBe(serial);
            var again = new TokenPage(await browser.NewPageAsync());
            await again.Page.SignInAsync(second, holder, "/token");
            await Assertions.Expect(again.Devices.First.Locator("[data-testid=device-serial]")).ToContainTextAsync(serial);
            (await second.InterruptAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue(second.PortalOutput);
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(data);
        }
    }

    /// <summary>
    /// The demo holder's qualified certificate, read from the demo token with pkcs11-tool, chains to the root fetched
    /// through its AIA URLs, carries the qualified profile (openssl's text and asn1parse) and is the one the portal lists
    /// for its holder — the only one it lists, since it is the only one on the device.
    /// </summary>
    private static async Task DemoCertificateIsTheEmbeddedCasAsync(ProductUnderTest product, TokenPage page)
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("e2e-run-certificate");
        var file = Path.Combine(directory, "holder.der");
        (await product.Demo!.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "--read-object", "--type", "cert", "--id", "01", "--output-file", file)).ExitCode.ShouldBe(0);
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(file);
        await PkiChecks.VerifyThroughAiaAsync(certificate);

        var text = (await ProcessRunner.RunCheckedAsync("openssl", ["x509", "-inform", "DER", "-in", file, "-noout", "-text"])).Output;
        text.ShouldContain("serialNumber = PNOCZ-8001011234");
        text.ShouldContain("Policy: 0.4.0.194112.1.2"); // QCP-n-qscd
        text.ShouldContain("Policy: 1.3.6.1.4.1.99999.1.1"); // the CA's own policy
        text.ShouldContain("Non Repudiation");
        var asn1 = await PkiChecks.QcStatementsAsn1Async(file);
        foreach (var oid in new[] { "0.4.0.1862.1.1", "0.4.0.1862.1.4", "0.4.0.1862.1.5", "0.4.0.1862.1.6", "0.4.0.1862.1.6.1", "1.3.6.1.5.5.7.11.2", "0.4.0.194121.1.1" })
        {
            asn1.ShouldContain($":{oid}", customMessage: oid);
        }

        await Assertions.Expect(page.Area("Qualified").Locator("[data-testid=registry-status]")).ToHaveAttributeAsync("data-status", "Known");
        var list = await page.Page.Context.NewPageAsync();
        await list.GotoAsync(product.PortalUrl + "/certificates");
        var rows = list.Locator("[data-testid=certificate-row]");
        // His qualified certificate and the commercial one he signs in with (the standard area's).
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(list.Locator($"[data-testid=certificate-row]:has-text('{certificate.SerialNumber}')")).ToHaveCountAsync(1);
        await list.CloseAsync();
    }

    /// <summary>Nothing listens at the address any more: both programs ended with the command.</summary>
    private static async Task ShouldBeClosedAsync(string url)
    {
        var uri = new Uri(url);
        using var client = new TcpClient();
        await Should.ThrowAsync<SocketException>(() => client.ConnectAsync(uri.Host, uri.Port));
    }
}

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

    /// <summary>Nothing listens at the address any more: both programs ended with the command.</summary>
    private static async Task ShouldBeClosedAsync(string url)
    {
        var uri = new Uri(url);
        using var client = new TcpClient();
        await Should.ThrowAsync<SocketException>(() => client.ConnectAsync(uri.Host, uri.Port));
    }
}

using System.Diagnostics;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Shouldly;

namespace Qtsp.E2E.Token;

/// <summary>What the user sees when the agent stops, comes back, or refuses the portal.</summary>
[Collection(BrowserTests.Name)]
public sealed class AgentLinkTests(BrowserFixture browser)
{
    [Fact]
    public async Task StoppedAgentIsReportedWithin5SecondsAndComesBackWithoutReload()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        await Assertions.Expect(page.Devices).ToHaveCountAsync(1);
        await page.Page.EvaluateAsync("() => { window.__sameDocument = true; }");

        var stopped = Stopwatch.StartNew();
        await product.StopAgentAsync();
        await page.WaitForStateAsync("not-running", timeoutMs: 5_000);
        stopped.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        await Assertions.Expect(page.Devices).ToHaveCountAsync(0);
        await Assertions.Expect(page.AgentState).ToContainTextAsync(product.AgentUrl);
        (await page.Page.ContentAsync()).ShouldNotContain("Exception");

        await product.StartAgentAgainAsync();
        await page.WaitForStateAsync("connected", timeoutMs: 10_000);
        await Assertions.Expect(page.Devices).ToHaveCountAsync(1);
        (await page.Page.EvaluateAsync<bool>("() => window.__sameDocument === true")).ShouldBeTrue("the page must recover without a reload");
    }

    [Fact]
    public async Task AgentNotRunningAtAllIsExplainedNotSpunForever()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        await product.StopAgentAsync();
        var page = new TokenPage(await browser.NewPageAsync());

        await page.OpenAsync(product);

        await page.WaitForStateAsync("not-running", timeoutMs: 5_000);
        await Assertions.Expect(page.AgentState).ToContainTextAsync("neběží");
    }

    [Fact]
    public async Task AgentAddressThatAcceptsAndNeverAnswersIsGivenUpOnAndTriedAgain()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        await product.StopAgentAsync();
        // Something at the agent's address that takes the connection and then says nothing (a hung agent, a proxy): the
        // page's first attempt waits on it. The connections it took stay open, silent, to the end of the test.
        var address = new Uri(product.AgentUrl);
        var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse(address.Host), address.Port);
        silent.Server.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, true);
        silent.Start();
        var held = new System.Collections.Concurrent.ConcurrentBag<System.Net.Sockets.Socket>();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await silent.AcceptSocketAsync());
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The listener stopped.
            }
            catch (ObjectDisposedException)
            {
                // The listener stopped.
            }
        });

        try
        {
            var page = new TokenPage(await browser.NewPageAsync());
            await page.OpenAsync(product);
            await Task.Delay(TimeSpan.FromSeconds(3));
            held.Count.ShouldBeGreaterThan(0, "the page tried the silent address");
            await page.WaitForStateAsync("connecting");

            // The real agent takes the address over; the page must find it without a reload, which it cannot while it
            // still waits for the silent connection's answer.
            silent.Stop();
            await accepting;
            await product.StartAgentAgainAsync();
            await page.WaitForStateAsync("connected", timeoutMs: 20_000);
            await Assertions.Expect(page.Devices).ToHaveCountAsync(1);
        }
        finally
        {
            silent.Stop();
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task AgentThatRefusesThisPortalsOriginIsExplained()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync(allowedOrigins: _ => ["https://portal.other-ca.example"]);
        var page = new TokenPage(await browser.NewPageAsync());

        await page.OpenAsync(product);

        await page.WaitForStateAsync("origin-refused", timeoutMs: 5_000);
        await Assertions.Expect(page.AgentState).ToContainTextAsync(product.PortalUrl);
        await Assertions.Expect(page.Devices).ToHaveCountAsync(0);
    }
}

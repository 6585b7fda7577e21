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

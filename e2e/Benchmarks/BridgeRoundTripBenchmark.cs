using System.Diagnostics;
using Microsoft.Playwright;
using Qtsp.Agent.Pkcs11;
using Qtsp.E2E.Infrastructure;
using Qtsp.E2E.Token;
using Qtsp.TestSupport;
using Shouldly;
using Xunit.Abstractions;

namespace Qtsp.E2E.Benchmarks;

/// <summary>
/// Round trip browser → agent → C_GetTokenInfo → browser, against the same C_GetTokenInfo called in-process
/// through the binding, on the same demo device and module (simulator over SoftHSM2). Run with eng/bench.sh.
/// </summary>
[Collection(BrowserTests.Name)]
[Trait("Category", "Benchmark")]
public sealed class BridgeRoundTripBenchmark(BrowserFixture browser, ITestOutputHelper output)
{
    private const int Calls = 200;
    private const int WarmUp = 20;

    [Fact]
    public async Task TokenInfoThroughTheBridgeVersusInProcess()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var tokenPage = new TokenPage(await browser.NewPageAsync());
        await tokenPage.OpenAsync(product);
        var page = tokenPage.Page;
        var device = tokenPage.Devices;
        await Assertions.Expect(device).ToHaveCountAsync(1);
        var deviceId = await device.GetAttributeAsync("data-device-id");

        var bridge = await page.EvaluateAsync<double[]>(
            """
            async ([deviceId, warmUp, calls]) => {
              const bridge = await import('/js/agent-bridge.js');
              const once = async () => {
                const result = await bridge.invoke('GetTokenInfo', deviceId, 'Standard');
                if (result.error) throw new Error(JSON.stringify(result.error));
              };
              for (let i = 0; i < warmUp; i++) await once();
              const times = [];
              for (let i = 0; i < calls; i++) {
                const start = performance.now();
                await once();
                times.push(performance.now() - start);
              }
              return times;
            }
            """,
            new object[] { deviceId!, WarmUp, Calls });

        var inProcess = await InProcessTokenInfoAsync(product.Demo!);

        var bridgeStats = Percentiles.Of(bridge);
        var inProcessStats = Percentiles.Of(inProcess);
        output.WriteLine($"browser → agent → C_GetTokenInfo → browser: {bridgeStats}");
        output.WriteLine($"C_GetTokenInfo in-process (binding):       {inProcessStats}");
        output.WriteLine(FormattableString.Invariant($"ratio p50 {bridgeStats.P50 / inProcessStats.P50:0.0}x, p95 {bridgeStats.P95 / inProcessStats.P95:0.0}x"));
        bridge.Length.ShouldBe(Calls);
    }

    private static async Task<double[]> InProcessTokenInfoAsync(DemoDevice demo)
    {
        foreach (var (name, value) in demo.Environment)
        {
            NativeEnvironment.Set(name, value);
        }

        var standard = await demo.TokenAsync(DemoDevice.StandardLabel);
        var module = Pkcs11Module.Load(await RepositoryPaths.SimulatorModuleAsync());
        var slot = module.GetSlotList(tokenPresent: true).Single(s => module.GetTokenInfo(s).Label == standard.Label);
        for (var i = 0; i < WarmUp; i++)
        {
            module.GetTokenInfo(slot);
        }

        var times = new double[Calls];
        for (var i = 0; i < Calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            module.GetTokenInfo(slot);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return times;
    }
}

using System.Globalization;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Shouldly;
using Xunit.Abstractions;

namespace Qtsp.E2E.Benchmarks;

/// <summary>
/// What an idle Blazor circuit costs one portal instance in managed memory: 25, 50 and 100 signed-in representatives
/// (Chromium profiles of their own) each with My token open (the demo device shown through the agent) or the applicant list
/// open (a page of 2,000 applicants' grid), left idle; the instance's live heap after a full collection (dotnet-gcdump),
/// less the same with no circuit open (the baseline of the same run), divided by the circuits the instance reports.
/// Each reading is the median of three. Goal: at most 300 KB per circuit. Run with eng/bench.sh.
/// </summary>
[Collection(BrowserTests.Name)]
[Trait("Category", "Benchmark")]
public sealed class CircuitMemoryBenchmark(BrowserFixture browser, ITestOutputHelper output)
{
    /// <summary>How many pages are open at each reading (QTSP_BENCH_CIRCUITS, default 25,50,100).</summary>
    private static readonly int[] Steps = [.. (Environment.GetEnvironmentVariable("QTSP_BENCH_CIRCUITS") ?? "25,50,100").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture))];
    /// <summary>The pages measured (QTSP_BENCH_PAGES: names separated by commas, default both).</summary>
    private static readonly PageUnderTest[] Pages =
    [
        .. new PageUnderTest[]
        {
            new("My token", "/token", "[data-testid=device]"),
            new("Applicants", "/applicants", "[data-testid=applicant-link]"),
        }.Where(p => Environment.GetEnvironmentVariable("QTSP_BENCH_PAGES") is not { Length: > 0 } only
            || only.Split(',').Contains(p.Name, StringComparer.OrdinalIgnoreCase)),
    ];

    [Fact]
    public async Task ManagedMemoryPerIdleCircuitOnMyTokenAndApplicants()
    {
        await using var cluster = await BenchmarkCluster.StartAsync(1, Steps.Max());
        try
        {
            await MeasureAsync(cluster);
        }
        catch
        {
            output.WriteLine(string.Join('\n', cluster.Product.PortalOutput.Split('\n').TakeLast(60)));
            throw;
        }
    }

    private async Task MeasureAsync(BenchmarkCluster cluster)
    {
        var signedIn = await cluster.EnrolAsync(browser.Browser);
        var rows = new List<string>();

        // Every page once before the baseline: what the first visit loads for good (compiled queries, component types,
        // localised texts) is not a circuit's cost.
        var warm = await OpenAsync(cluster, signedIn.Take(2).SelectMany(state => Pages.Select(page => (state, page))).ToList());
        await CloseAsync(cluster, warm);

        foreach (var pageUnderTest in Pages)
        {
            var baseline = await MedianHeapAsync(cluster);
            output.WriteLine(FormattableString.Invariant($"{pageUnderTest.Name}: baseline (no circuit) {baseline.LiveBytes / 1024.0:0} KB live, runtime heap after collection {baseline.HeapSizeAfterCollection / 1024.0:0} KB"));
            var open = new List<IBrowserContext>();
            HeapReading? last = null;
            foreach (var step in Steps)
            {
                open.AddRange(await OpenAsync(cluster, signedIn.Skip(open.Count).Take(step - open.Count).Select(state => (state, pageUnderTest)).ToList()));
                await Task.Delay(TimeSpan.FromSeconds(5)); // idle: the page's first renders and agent reading are over
                var circuits = await ActiveCircuitsAsync(cluster);
                circuits.ShouldBe(step, "every page holds one circuit");
                var heap = await MedianHeapAsync(cluster);
                last = heap;
                var perCircuit = (heap.LiveBytes - baseline.LiveBytes) / (double)circuits / 1024;
                var perCircuitRuntime = (heap.HeapSizeAfterCollection - baseline.HeapSizeAfterCollection) / (double?)circuits / 1024;
                output.WriteLine(FormattableString.Invariant(
                    $"  {circuits,3} circuits: live heap {heap.LiveBytes / 1024.0 / 1024:0.0} MB, {perCircuit:0} KB per circuit (runtime's heap size after collection: {perCircuitRuntime:0} KB per circuit); goal ≤ 300 KB"));
                rows.Add(FormattableString.Invariant($"{pageUnderTest.Name.Replace(' ', '_')}\t{circuits}\t{heap.LiveBytes}\t{baseline.LiveBytes}\t{perCircuit:0.0}"));
            }

            output.WriteLine($"  what grew most from the baseline to {open.Count} circuits (KB per circuit, by type):");
            foreach (var (type, bytes) in last!.GrowthSince(baseline, 25))
            {
                output.WriteLine(FormattableString.Invariant($"    {bytes / 1024.0 / open.Count,8:0.0}  {type}"));
            }

            await CloseAsync(cluster, open);
        }

        var folder = Environment.GetEnvironmentVariable("QTSP_BENCH_OUT");
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllLinesAsync(Path.Combine(folder, "memory.tsv"), ["# page\tcircuits\tlive_heap_bytes\tbaseline_bytes\tkb_per_circuit", .. rows]);
        }
    }

    private async Task<List<IBrowserContext>> OpenAsync(BenchmarkCluster cluster, List<(string State, PageUnderTest Page)> pages)
    {
        var contexts = new IBrowserContext[pages.Count];
        // Two at a time: every My token page opens a WebSocket to the one agent all these profiles share (a person has an
        // agent of their own), and Chromium opens the handshakes to one address one after another.
        using var gate = new SemaphoreSlim(2);
        await Task.WhenAll(pages.Select(async (item, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { StorageState = item.State, Locale = "cs-CZ" });
                contexts[i] = context;
                var page = await context.NewPageAsync();
                page.SetDefaultTimeout(60_000); // two cores starting Chromium pages and their circuits at once
                await page.GotoAsync(cluster.Product.PortalUrl + item.Page.Path);
                await page.Locator("main[data-interactive=true]").WaitForAsync();
                try
                {
                    await page.Locator(item.Page.ShownWhenReady).First.WaitForAsync();
                }
                catch (TimeoutException)
                {
                    throw new TimeoutException($"{item.Page.Name} did not show {item.Page.ShownWhenReady}; the page said:\n{await page.Locator("main").InnerTextAsync()}");
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. contexts];
    }

    /// <summary>Leaves the pages (blazor.web.js tells the portal the circuit is over), closes the profiles, waits for no circuit.</summary>
    private static async Task CloseAsync(BenchmarkCluster cluster, List<IBrowserContext> contexts)
    {
        foreach (var context in contexts)
        {
            foreach (var page in context.Pages)
            {
                await page.GotoAsync("about:blank");
            }

            await context.CloseAsync();
        }

        var until = DateTime.UtcNow.AddMinutes(4);
        while (await ActiveCircuitsAsync(cluster) > 0)
        {
            DateTime.UtcNow.ShouldBeLessThan(until, "the closed pages' circuits end");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private static async Task<int> ActiveCircuitsAsync(BenchmarkCluster cluster) =>
        (int)(BenchmarkCluster.Sum(await cluster.MetricsAsync(0), "qtsp_circuits_open") ?? throw new InvalidOperationException("The portal reports no circuits."));

    private static async Task<HeapReading> MedianHeapAsync(BenchmarkCluster cluster)
    {
        var readings = new List<HeapReading>();
        for (var i = 0; i < 3; i++)
        {
            readings.Add(await cluster.HeapAfterFullCollectionAsync(0));
        }

        var median = readings.OrderBy(r => r.LiveBytes).ElementAt(1);
        return median with { HeapSizeAfterCollection = readings.Select(r => r.HeapSizeAfterCollection).Order().ElementAt(1) };
    }

    private sealed record PageUnderTest(string Name, string Path, string ShownWhenReady);
}

using System.Globalization;
using Qtsp.E2E.Benchmarks.Protocol;
using Shouldly;
using Xunit.Abstractions;

namespace Qtsp.E2E.Benchmarks;

/// <summary>
/// What an idle Blazor circuit costs one portal instance in managed memory: 25, 50, 100 and 200 signed-in representatives,
/// each with My token open (the demo device shown, as the agent reports it) or the applicant list open (a page of the grid
/// of 20 applicants per representative), left idle; the instance's live heap after a full collection (dotnet-gcdump), less the same with no
/// circuit open (the baseline of the same run), divided by the circuits the instance reports. Each reading is the median of
/// three. Goal: at most 300 KB per circuit. The pages are driven over the Blazor protocol (<see cref="ServerCircuit"/>):
/// the portal holds the same circuit as for a browser's page, and 200 of them leave the machine room to measure.
/// Run with eng/bench.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class CircuitMemoryBenchmark(ITestOutputHelper output)
{
    /// <summary>How many pages are open at each reading (QTSP_BENCH_CIRCUITS, default 25,50,100,200).</summary>
    private static readonly int[] Steps = [.. (Environment.GetEnvironmentVariable("QTSP_BENCH_CIRCUITS") ?? "25,50,100,200").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture))];
    /// <summary>The pages measured (QTSP_BENCH_PAGES: names separated by commas, default both).</summary>
    private static readonly PageUnderTest[] Pages =
    [
        .. new PageUnderTest[]
        {
            new("My token", "/token", "device"),
            new("Applicants", "/applicants", "applicant-link"),
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
        await using var agent = await SimulatedAgent.ConnectAsync(cluster.Product.AgentUrl, cluster.Product.PortalUrl);
        var signedIn = await SignInAsync(cluster);
        try
        {
            await MeasureAsync(cluster, agent, signedIn);
        }
        finally
        {
            signedIn.ForEach(session => session.Dispose());
        }
    }

    private async Task MeasureAsync(BenchmarkCluster cluster, SimulatedAgent agent, List<PortalHttpSession> signedIn)
    {
        var rows = new List<string>();

        // Every page once before the baseline: what the first visit loads for good (compiled queries, component types,
        // localised texts) is not a circuit's cost.
        var warm = await OpenAsync(agent, signedIn.Take(2).SelectMany(session => Pages.Select(page => (session, page))).ToList());
        await CloseAsync(cluster, warm);

        foreach (var pageUnderTest in Pages)
        {
            var baseline = await MedianHeapAsync(cluster);
            output.WriteLine(FormattableString.Invariant($"{pageUnderTest.Name}: baseline (no circuit) {baseline.LiveBytes / 1024.0:0} KB live, runtime heap after collection {baseline.HeapSizeAfterCollection / 1024.0:0} KB"));
            var open = new List<ServerCircuit>();
            HeapReading? last = null;
            foreach (var step in Steps)
            {
                open.AddRange(await OpenAsync(agent, signedIn.Skip(open.Count).Take(step - open.Count).Select(session => (session, pageUnderTest)).ToList()));
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

            output.WriteLine(FormattableString.Invariant(
                $"  components per circuit: {ComponentStates(last!).Sum(type => last!.CountGrowthSince(baseline, type)) / (double)open.Count:0.0}"));
            output.WriteLine(FormattableString.Invariant(
                $"  strings per circuit: {last!.CountGrowthSince(baseline, "System.String") / (double)open.Count:0}, {last!.BytesGrowthSince(baseline, "System.String") / 1024.0 / open.Count:0} KB"));
            output.WriteLine("  objects per circuit of the component types (what to make lighter first):");
            foreach (var (type, count) in ComponentTypes(last!, baseline, open.Count))
            {
                output.WriteLine(FormattableString.Invariant($"    {count,6:0.0}  {type}"));
            }

            output.WriteLine($"  what grew most from the baseline to {open.Count} circuits (KB per circuit, by type):");
            foreach (var (type, bytes) in last!.GrowthSince(baseline, 25))
            {
                output.WriteLine(FormattableString.Invariant($"    {bytes / 1024.0 / open.Count,8:0.0}  {type}"));
            }

            await CloseAsync(cluster, open);
        }

        output.WriteLine("Agent calls of the simulated pages: " + string.Join(", ", agent.Calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} ×{c.Value}")));
        var folder = Environment.GetEnvironmentVariable("QTSP_BENCH_OUT");
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
            await File.WriteAllLinesAsync(Path.Combine(folder, "memory.tsv"), ["# page\tcircuits\tlive_heap_bytes\tbaseline_bytes\tkb_per_circuit", .. rows]);
        }
    }

    /// <summary>Every benchmark representative signs in once over HTTP (the first time enrolling an authenticator), a few at a time.</summary>
    private static async Task<List<PortalHttpSession>> SignInAsync(BenchmarkCluster cluster)
    {
        var sessions = cluster.Users.Select(_ => new PortalHttpSession(new Uri(cluster.Product.PortalUrl + "/"))).ToList();
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(cluster.Users.Select(async (user, i) =>
        {
            await gate.WaitAsync();
            try
            {
                await sessions[i].SignInAsync(user, "/");
            }
            finally
            {
                gate.Release();
            }
        }));
        return sessions;
    }

    /// <summary>Opens each page (a new circuit of that person's), a few at a time, and waits until it shows what it is for.</summary>
    private static async Task<List<ServerCircuit>> OpenAsync(SimulatedAgent agent, List<(PortalHttpSession Session, PageUnderTest Page)> pages)
    {
        var circuits = new ServerCircuit[pages.Count];
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(pages.Select(async (item, i) =>
        {
            await gate.WaitAsync();
            try
            {
                var (url, html) = await item.Session.GetAsync(item.Page.Path.TrimStart('/'));
                circuits[i] = await ServerCircuit.StartAsync(item.Session, url, html, agent,
                    batch => batch.Elements.Any(e => e.TestId == item.Page.ShownWhenReady), TimeSpan.FromSeconds(60));
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. circuits];
    }

    /// <summary>Leaves the pages (the portal is told each circuit is over, as blazor.web.js does), waits for no circuit.</summary>
    private static async Task CloseAsync(BenchmarkCluster cluster, List<ServerCircuit> circuits)
    {
        foreach (var circuit in circuits)
        {
            await circuit.CloseAsync();
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

    /// <summary>The renderer's per-component bookkeeping types (one object per live component).</summary>
    private static IEnumerable<string> ComponentStates(HeapReading reading) =>
        reading.CountByType.Keys.Where(t => t.StartsWith("Microsoft.AspNetCore.Components.", StringComparison.Ordinal) && t.EndsWith("ComponentState", StringComparison.Ordinal));

    /// <summary>Live objects per circuit of the portal's, MudBlazor's and Blazor's own types, most first.</summary>
    private static IEnumerable<(string Type, double PerCircuit)> ComponentTypes(HeapReading reading, HeapReading baseline, int circuits) =>
        reading.CountByType.Keys
            .Where(t => t.StartsWith("MudBlazor.", StringComparison.Ordinal) || t.StartsWith("Qtsp.Portal.", StringComparison.Ordinal)
                || t.StartsWith("Microsoft.AspNetCore.Components.", StringComparison.Ordinal))
            .Select(t => (t, reading.CountGrowthSince(baseline, t) / (double)circuits))
            .Where(x => x.Item2 >= 0.9)
            .OrderByDescending(x => x.Item2);

    private sealed record PageUnderTest(string Name, string Path, string ShownWhenReady);
}

using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;

namespace Qtsp.E2E.Benchmarks;

/// <summary>
/// The cluster command (PostgreSQL, HAProxy, N portal instances, the agent with the demo device) started for a benchmark:
/// with the demo organisation's benchmark representatives (accounts of their own for the simulated users), each
/// instance's Prometheus port known, and the per-address sign-in limit lifted (every simulated user comes from 127.0.0.1,
/// real ones from their own addresses).
/// </summary>
public sealed partial class BenchmarkCluster : IAsyncDisposable
{
    private readonly int _firstMetricsPort;

    private BenchmarkCluster(ProductUnderTest product, int firstMetricsPort, IReadOnlyList<DemoAccount> users)
    {
        Product = product;
        _firstMetricsPort = firstMetricsPort;
        Users = users;
        Pids = product.ClusterInstancePids();
    }

    public ProductUnderTest Product { get; }

    /// <summary>The benchmark representatives (zatez001, ...), each enrolled once <see cref="EnrolAsync"/> has run.</summary>
    public IReadOnlyList<DemoAccount> Users { get; }

    public IReadOnlyList<int> Pids { get; }

    public static async Task<BenchmarkCluster> StartAsync(int instances, int users)
    {
        var ports = Enumerable.Range(0, instances).Select(_ => ProductProcess.FreePort()).ToArray();
        var metricsPort = ProductProcess.FreePort();
        var product = await ProductUnderTest.StartWithClusterCommandAsync(ports, new Dictionary<string, string>
        {
            ["CLUSTER_METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture),
            ["Demo__BenchmarkRepresentatives"] = users.ToString(CultureInfo.InvariantCulture),
            ["RateLimits__PerAddress"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
        }).ConfigureAwait(false);
        var accounts = BenchmarkAccount().Matches(product.PortalOutput)
            .Select(m => new DemoAccount("BenchmarkRepresentative", m.Groups["user"].Value, m.Groups["password"].Value))
            .DistinctBy(a => a.UserName)
            .ToList();
        if (accounts.Count != users)
        {
            await product.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"The portal printed {accounts.Count} benchmark accounts, not {users}.");
        }

        return new BenchmarkCluster(product, metricsPort, accounts);
    }

    /// <summary>
    /// Every benchmark user signs in once and enrols an authenticator (not measured), a few at a time; returns each one's
    /// signed-in browser state (cookies), for pages opened later as a person's open tabs.
    /// </summary>
    public async Task<IReadOnlyList<string>> EnrolAsync(IBrowser browser, int atOnce = 8)
    {
        var states = new string[Users.Count];
        using var gate = new SemaphoreSlim(atOnce);
        await Task.WhenAll(Users.Select(async (user, i) =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                await using var context = await browser.NewContextAsync().ConfigureAwait(false);
                var page = await context.NewPageAsync().ConfigureAwait(false);
                await page.SignInAsync(Product, user, "/applicants").ConfigureAwait(false);
                states[i] = await context.StorageStateAsync().ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return states;
    }

    /// <summary>CPU time (user + system) the instance's process has used so far.</summary>
    public TimeSpan CpuTime(int instance)
    {
        var stat = File.ReadAllText($"/proc/{Pids[instance]}/stat");
        // Fields after the command name in parentheses: state is the 3rd field, utime the 14th, stime the 15th.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>The machine's busy and total clock ticks so far, all cores (/proc/stat).</summary>
    public static (long Busy, long Total) MachineTicks()
    {
        var line = File.ReadLines("/proc/stat").First();
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var idle = values[3] + values[4];
        var total = values.Take(8).Sum();
        return (total - idle, total);
    }

    public async Task<string> MetricsAsync(int instance)
    {
        using var client = new HttpClient();
        return await client.GetStringAsync(new Uri($"http://127.0.0.1:{_firstMetricsPort + instance}/metrics")).ConfigureAwait(false);
    }

    /// <summary>The sum of a Prometheus metric's series (e.g. all generations of the heap), or null when it is not there.</summary>
    public static double? Sum(string metrics, string name)
    {
        var values = metrics.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .ToList();
        return values.Count == 0 ? null : values.Sum();
    }

    /// <summary>
    /// The instance's managed heap after a full, blocking collection: dotnet-gcdump induces one and reports the live objects;
    /// the runtime's own "heap size after the last collection" (its metrics) is read right after as a cross-check.
    /// </summary>
    public async Task<HeapReading> HeapAfterFullCollectionAsync(int instance)
    {
        var file = Path.Combine(Path.GetTempPath(), $"qtsp-{Guid.NewGuid():N}.gcdump");
        try
        {
            await ProcessRunner.RunCheckedAsync("dotnet", ["dotnet-gcdump", "collect", "-p", Pids[instance].ToString(CultureInfo.InvariantCulture), "-o", file],
                workingDirectory: RepositoryPaths.Root).ConfigureAwait(false);
            var afterCollection = Sum(await MetricsAsync(instance).ConfigureAwait(false), "dotnet_gc_last_collection_heap_size_bytes");
            var report = await ProcessRunner.RunCheckedAsync("dotnet", ["dotnet-gcdump", "report", file], workingDirectory: RepositoryPaths.Root).ConfigureAwait(false);
            var live = HeapBytes().Match(report.Output);
            if (!live.Success)
            {
                throw new InvalidOperationException("dotnet-gcdump reported no heap size:\n" + report.Output);
            }

            var rows = TypeLine().Matches(report.Output).GroupBy(m => TypeName(m.Groups["type"].Value), StringComparer.Ordinal).ToList();
            var byType = rows.ToDictionary(g => g.Key, g => g.Sum(m => Number(m.Groups["bytes"].Value) * Number(m.Groups["count"].Value)), StringComparer.Ordinal);
            var countByType = rows.ToDictionary(g => g.Key, g => g.Sum(m => Number(m.Groups["count"].Value)), StringComparer.Ordinal);
            return new HeapReading(Number(live.Groups["bytes"].Value), (long?)afterCollection, byType, countByType);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public ValueTask DisposeAsync() => Product.DisposeAsync();

    private static string TypeName(string row)
    {
        var bucket = row.IndexOf(" (Bytes > ", StringComparison.Ordinal);
        return (bucket < 0 ? row : row[..bucket]).Trim();
    }

    private static long Number(string digits) => long.Parse(digits.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    // The run command's accounts block: "    BenchmarkRepresentative zatez001       <password>", prefixed by the instance.
    [GeneratedRegex(@"^(?:\[portal-\d+\] )?\s{4}BenchmarkRepresentative\s+(?<user>zatez\d+)\s+(?<password>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex BenchmarkAccount();

    [GeneratedRegex(@"^\s*(?<bytes>[\d,]+)\s+GC Heap bytes", RegexOptions.Multiline)]
    private static partial Regex HeapBytes();

    // A row of the report: "   Object Bytes     Count  Type": an object's size, how many, the type (then its assembly in
    // brackets); a type's large objects ("(Bytes > 10K)") have rows of their own.
    [GeneratedRegex(@"^\s*(?<bytes>[\d,]+)\s+(?<count>[\d,]+)\s+(?<type>[^\[\r\n]+)", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}

/// <summary>
/// Live managed objects after a full collection (gcdump: in all and by type) and the runtime's heap size after that
/// collection.
/// </summary>
public sealed record HeapReading(long LiveBytes, long? HeapSizeAfterCollection, IReadOnlyDictionary<string, long> BytesByType, IReadOnlyDictionary<string, long> CountByType)
{
    /// <summary>How many more objects of this type than in <paramref name="baseline"/>.</summary>
    public long CountGrowthSince(HeapReading baseline, string type) => CountByType.GetValueOrDefault(type) - baseline.CountByType.GetValueOrDefault(type);

    /// <summary>How many more bytes of this type than in <paramref name="baseline"/>.</summary>
    public long BytesGrowthSince(HeapReading baseline, string type) => BytesByType.GetValueOrDefault(type) - baseline.BytesByType.GetValueOrDefault(type);

    /// <summary>The types that grew most from <paramref name="baseline"/> to this reading.</summary>
    public IEnumerable<(string Type, long Bytes)> GrowthSince(HeapReading baseline, int count) =>
        BytesByType.Keys.Select(type => (type, BytesGrowthSince(baseline, type)))
            .OrderByDescending(t => t.Item2)
            .Take(count);
}

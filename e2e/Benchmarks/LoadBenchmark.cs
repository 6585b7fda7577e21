using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;
using Qtsp.E2E.Benchmarks.Protocol;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Xunit.Abstractions;

namespace Qtsp.E2E.Benchmarks;

/// <summary>
/// Simulated company representatives in Chromium (one browser profile each) against the cluster command (two portal
/// instances behind HAProxy), all on one instance and spread over both: each signs in with an account of its own, then, with about a second to think
/// between steps, through the menu (as a person moves around: within the page's circuit)
/// opens My token until the agent's demo device shows, opens the applicants and searches them by surname, opens the
/// certificates and one certificate. 1 user is the baseline; then 25, 50 and 100 at once. Reported: p50/p95 of
/// every interaction, errors (anything that did not show what it should within 30 s), and the CPU the portal instances and
/// the whole machine used. The load generator (Chromium) runs on the same two cores as the product: the latencies are
/// those of a saturated machine as much as of the portal; the portal's CPU per interaction is the figure that carries over.
/// Run with eng/bench.sh; QTSP_BENCH_OUT names a folder for the numbers behind the plot.
/// </summary>
[Collection(BrowserTests.Name)]
[Trait("Category", "Benchmark")]
public sealed partial class LoadBenchmark(BrowserFixture browser, ITestOutputHelper output)
{
    /// <summary>Concurrent users per level (QTSP_BENCH_LEVELS, default 1,25,50,100; the first is the baseline).</summary>
    private static readonly int[] Levels = [.. (Environment.GetEnvironmentVariable("QTSP_BENCH_LEVELS") ?? "1,25,50,100").Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture))];

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The surnames the portal gives the benchmark's applicants (DemoData.BenchmarkSurnames).</summary>
    private static readonly string[] Surnames =
    [
        "Horák", "Němec", "Marek", "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš", "Fiala",
        "Sedláček", "Doležal", "Zeman", "Kolář", "Navrátil", "Čermák", "Vaněk", "Urban", "Blažek", "Kříž",
    ];

    private static TimeSpan Duration => TimeSpan.FromSeconds(int.Parse(Environment.GetEnvironmentVariable("QTSP_BENCH_LOAD_SECONDS") ?? "45", CultureInfo.InvariantCulture));

    [Fact]
    public Task InteractionLatencyInChromiumAt25_50And100UsersOnOneInstanceAndOnTwo() => MeasureAsync(Driver.Chromium);

    [Fact]
    public Task InteractionLatencyOverTheBlazorProtocolAt25_50And100UsersOnOneInstanceAndOnTwo() => MeasureAsync(Driver.Protocol);

    private async Task MeasureAsync(Driver driver)
    {
        // One cluster of two instances: "one instance" pins every user to portal-1 by HAProxy's cookie (portal-2 idles),
        // "two instances" lets HAProxy spread them. Same run, same data, alternating at each level.
        await using var cluster = await BenchmarkCluster.StartAsync(2, Levels.Max());
        await using var agent = driver == Driver.Protocol ? await SimulatedAgent.ConnectAsync(cluster.Product.AgentUrl, cluster.Product.PortalUrl) : null;
        if (driver == Driver.Chromium)
        {
            await cluster.EnrolAsync(browser.Browser);
        }

        var run = new Run(cluster, driver, agent);
        // Not measured: the first pass through every page on both instances (JIT, first queries, caches; with the protocol,
        // every account's first sign-in, which enrols its authenticator).
        foreach (var instances in new[] { 1, 2 })
        {
            await RunLevelAsync(run, instances, driver == Driver.Protocol && instances == 1 ? Levels.Max() : Math.Min(4, Levels.Max()), TimeSpan.FromSeconds(15));
        }

        var results = new List<LevelResult>();
        foreach (var users in Levels)
        {
            foreach (var instances in new[] { 1, 2 })
            {
                var result = await RunLevelAsync(run, instances, users);
                results.Add(result);
                Report(result, results.First(r => r.Instances == instances && r.Users == Levels[0]));
            }
        }

        output.WriteLine("");
        output.WriteLine($"{driver}: two instances against one, same users (ratio of p95s; < 1: the cluster is faster)");
        foreach (var users in Levels)
        {
            var one = results.Single(r => r.Instances == 1 && r.Users == users);
            var two = results.Single(r => r.Instances == 2 && r.Users == users);
            output.WriteLine(FormattableString.Invariant($"  {users,3} users: p95 {two.All.P95 / one.All.P95:0.00}x, p50 {two.All.P50 / one.All.P50:0.00}x, errors {one.Errors} → {two.Errors}"));
        }

        if (!ServerCircuit.UnansweredCalls.IsEmpty)
        {
            output.WriteLine("JavaScript calls the simulated pages answered with nothing: " + string.Join(", ", ServerCircuit.UnansweredCalls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} ×{c.Value}")));
        }

        if (agent is not null)
        {
            output.WriteLine("Agent calls of the simulated pages: " + string.Join(", ", agent.Calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} ×{c.Value}")));
        }

        await WriteTableAsync(results, driver == Driver.Chromium ? "load.tsv" : "load-protocol.tsv");
    }

    private async Task<LevelResult> RunLevelAsync(Run run, int instances, int users, TimeSpan? duration = null)
    {
        var cluster = run.Cluster;
        var samples = new ConcurrentBag<Sample>();
        var errors = new ConcurrentBag<string>();
        var cpuBefore = Enumerable.Range(0, cluster.Pids.Count).Select(cluster.CpuTime).ToArray();
        var machineBefore = BenchmarkCluster.MachineTicks();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(cluster.Users.Take(users).Select(async (account, i) =>
        {
            // The users arrive over the first five seconds, not all in the same millisecond.
            await Task.Delay(TimeSpan.FromMilliseconds(5000.0 * i / users));
            await using var user = await NewUserAsync(run, instances, account, samples, errors, new Random(i));
            if (!await user.SignInAsync())
            {
                return;
            }

            var end = clock.Elapsed + (duration ?? Duration);
            while (clock.Elapsed < end)
            {
                await user.WorkAsync();
            }
        }));
        var machineAfter = BenchmarkCluster.MachineTicks();
        var portalCpu = Enumerable.Range(0, cluster.Pids.Count).Select(i => (cluster.CpuTime(i) - cpuBefore[i]).TotalSeconds).Sum();
        var machineBusy = (double)(machineAfter.Busy - machineBefore.Busy) / Math.Max(1, machineAfter.Total - machineBefore.Total);
        foreach (var error in errors.Distinct().Take(3))
        {
            output.WriteLine($"    e.g. {error}");
        }

        return new LevelResult(instances, users, [.. samples], errors.Count, portalCpu, machineBusy, clock.Elapsed);
    }

    private async Task<SimulatedUser> NewUserAsync(Run run, int instances, DemoAccount account, ConcurrentBag<Sample> samples, ConcurrentBag<string> errors, Random random)
    {
        if (run.Driver == Driver.Protocol)
        {
            return new ProtocolUser(run.Cluster.Product, run.Agent!, instances == 1 ? "portal-1" : null, account, samples, errors, random);
        }

        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "cs-CZ", ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        if (instances == 1)
        {
            await context.AddCookiesAsync([new Cookie { Name = "SERVERID", Value = "portal-1", Url = run.Cluster.Product.PortalUrl }]);
        }

        var page = await context.NewPageAsync();
        page.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        return new BrowserUser(context, page, run.Cluster.Product, account, samples, errors, random);
    }

    private void Report(LevelResult result, LevelResult baseline)
    {
        output.WriteLine(FormattableString.Invariant(
            $"{result.Instances} instance(s), {result.Users,3} users, {result.Elapsed.TotalSeconds:0} s: {result.Samples.Count} interactions, {result.Errors} errors; all {result.All}; p95 {result.All.P95 / baseline.All.P95:0.00}x the baseline level; portal CPU {result.PortalCpuSeconds:0.0} s ({1000 * result.PortalCpuSeconds / Math.Max(1, result.Samples.Count):0.0} ms per interaction); machine busy {result.MachineBusy:P0}"));
        foreach (var kind in Enum.GetValues<Interaction>())
        {
            var of = result.Samples.Where(s => s.Kind == kind).Select(s => s.Milliseconds).ToArray();
            if (of.Length > 0)
            {
                output.WriteLine($"    {kind,-20} {Percentiles.Of(of)}");
            }
        }
    }

    private static async Task WriteTableAsync(List<LevelResult> results, string fileName)
    {
        var folder = Environment.GetEnvironmentVariable("QTSP_BENCH_OUT");
        if (string.IsNullOrEmpty(folder))
        {
            return;
        }

        Directory.CreateDirectory(folder);
        var lines = results.Select(r => FormattableString.Invariant(
            $"{r.Instances}\t{r.Users}\t{r.All.P50:0.0}\t{r.All.P95:0.0}\t{r.Errors}\t{r.Samples.Count}\t{1000 * r.PortalCpuSeconds / Math.Max(1, r.Samples.Count):0.00}\t{r.MachineBusy:0.000}"));
        await File.WriteAllLinesAsync(Path.Combine(folder, fileName), ["# instances\tusers\tp50_ms\tp95_ms\terrors\tinteractions\tportal_cpu_ms_per_interaction\tmachine_busy", .. lines]);
    }

    private enum Interaction
    {
        SignInPassword,
        SignInCode,
        MyToken,
        OpenApplicants,
        SearchApplicants,
        OpenCertificates,
        OpenCertificate,
    }

    private enum Driver
    {
        /// <summary>Each user a Chromium profile of its own (Playwright), as the issue's scenario has it.</summary>
        Chromium,

        /// <summary>Each user an HTTP client and a Blazor circuit driven over the hub's protocol (<see cref="ServerCircuit"/>).</summary>
        Protocol,
    }

    private sealed record Run(BenchmarkCluster Cluster, Driver Driver, SimulatedAgent? Agent);

    private sealed record Sample(Interaction Kind, double Milliseconds);

    private sealed record LevelResult(int Instances, int Users, IReadOnlyList<Sample> Samples, int Errors, double PortalCpuSeconds, double MachineBusy, TimeSpan Elapsed)
    {
        public Percentiles All { get; } = Samples.Count == 0 ? new Percentiles(double.NaN, double.NaN, 0) : Percentiles.Of([.. Samples.Select(s => s.Milliseconds)]);
    }

    /// <summary>One representative at work; every step waits for what a person waits for (the device, the rows, the detail).</summary>
    private abstract class SimulatedUser(ConcurrentBag<Sample> samples, ConcurrentBag<string> errors, Random random) : IAsyncDisposable
    {
        protected Random Random => random;

        public abstract Task<bool> SignInAsync();

        /// <summary>
        /// My token until the device shows, the applicants, a search by a surname the list does not start with, the
        /// certificates, one certificate; a second or so to think between steps.
        /// </summary>
        public abstract Task WorkAsync();

        public abstract ValueTask DisposeAsync();

        protected Task ThinkAsync() => Task.Delay(TimeSpan.FromMilliseconds(500 + random.Next(1000)));

        /// <summary>Another surname than those the list shows, so that the rows shown before the search cannot pass for its result.</summary>
        protected string SurnameNotIn(IEnumerable<string> shown)
        {
            var others = Surnames.Where(s => !shown.Any(t => Names(t, s))).ToArray();
            return others[random.Next(others.Length)];
        }

        /// <summary>Whether a text shown is the surname or begins with it (a row's name; Razor may give the surname a text of its own).</summary>
        protected static bool Names(string text, string surname) => text == surname || text.StartsWith(surname + " ", StringComparison.Ordinal);

        protected async Task<bool> StepAsync(Interaction kind, Func<Task<TimeSpan>> step)
        {
            try
            {
                samples.Add(new Sample(kind, (await step()).TotalMilliseconds));
                return true;
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException or InvalidOperationException or HttpRequestException or TaskCanceledException
                or System.Net.WebSockets.WebSocketException or IOException or Microsoft.AspNetCore.SignalR.HubException)
            {
                errors.Add($"{kind}: {e.Message.Split('\n')[0]}");
                return false;
            }
        }
    }

    /// <summary>A representative in a Chromium profile of their own.</summary>
    private sealed class BrowserUser(IBrowserContext context, IPage page, ProductUnderTest product, DemoAccount account, ConcurrentBag<Sample> samples, ConcurrentBag<string> errors, Random random)
        : SimulatedUser(samples, errors, random)
    {
        private readonly string _portal = product.PortalUrl;

        public override async Task<bool> SignInAsync()
        {
            return await StepAsync(Interaction.SignInPassword, async () =>
            {
                await page.GotoAsync($"{_portal}/account/login?returnUrl=%2Fapplicants");
                await page.Locator("[data-testid=login-user]").FillAsync(account.UserName);
                await page.Locator("[data-testid=login-password]").FillAsync(account.Password);
                var submitted = Stopwatch.StartNew();
                await page.Locator("[data-testid=login-submit]").ClickAsync();
                await page.Locator("[data-testid=totp-code]").WaitForAsync();
                return submitted.Elapsed;
            }) && await StepAsync(Interaction.SignInCode, async () =>
            {
                // A fresh code may take until the next 30-second step: typing it is the person's time, not the portal's.
                var code = await Totp.UnusedCodeAsync(account.AuthenticatorKey!);
                await page.Locator("[data-testid=totp-code]").FillAsync(code);
                var submitted = Stopwatch.StartNew();
                await page.Locator("[data-testid=totp-submit]").ClickAsync();
                await page.WaitForURLAsync(url => url.EndsWith("/applicants", StringComparison.Ordinal));
                await page.WaitForInteractiveAsync();
                return submitted.Elapsed;
            });
        }

        public override async Task WorkAsync()
        {
            await OpenByMenuAsync(Interaction.MyToken, "token", "[data-testid=device]");
            await ThinkAsync();
            await OpenByMenuAsync(Interaction.OpenApplicants, "applicants", "[data-testid=applicant-link]");
            await ThinkAsync();
            await StepAsync(Interaction.SearchApplicants, async () =>
            {
                var surname = SurnameNotIn([await page.Locator("[data-testid=applicant-link]").First.InnerTextAsync()]);
                await page.Locator("[data-testid=search-text]").FillAsync(surname);
                var started = Stopwatch.StartNew();
                await page.Locator("[data-testid=search-submit]").ClickAsync();
                await page.WaitForFunctionAsync(
                    """
                    (surname) => {
                      const rows = [...document.querySelectorAll('[data-testid=applicant-link]')];
                      return rows.length > 0 && rows.every((row) => row.textContent.startsWith(surname + ' '));
                    }
                    """,
                    surname);
                return started.Elapsed;
            });
            await ThinkAsync();
            await OpenByMenuAsync(Interaction.OpenCertificates, "certificates", "[data-testid=certificate-row]");
            await ThinkAsync();
            await StepAsync(Interaction.OpenCertificate, async () =>
            {
                var rows = page.Locator("[data-testid=certificate-row] a");
                var link = rows.Nth(Random.Next(await rows.CountAsync()));
                var started = Stopwatch.StartNew();
                await link.ClickAsync();
                await page.Locator("[data-testid=certificate-detail]").WaitForAsync();
                return started.Elapsed;
            });
            await ThinkAsync();
        }

        public override ValueTask DisposeAsync() => context.DisposeAsync();

        /// <summary>
        /// As a person moves around: by the menu, within the page's circuit (no new page load); timed until the page shows
        /// <paramref name="shownWhenReady"/>.
        /// </summary>
        private Task<bool> OpenByMenuAsync(Interaction kind, string path, string shownWhenReady) => StepAsync(kind, async () =>
        {
            var started = Stopwatch.StartNew();
            await page.Locator($"nav a[href='{path}']").First.ClickAsync();
            await page.Locator(shownWhenReady).First.WaitForAsync();
            return started.Elapsed;
        });
    }

    /// <summary>
    /// A representative whose browser is an HTTP client for the server-rendered sign-in and a <see cref="ServerCircuit"/>
    /// for the interactive pages: the same steps, waiting for the same things (as render batches instead of DOM).
    /// </summary>
    private sealed partial class ProtocolUser(ProductUnderTest product, SimulatedAgent agent, string? instance, DemoAccount account, ConcurrentBag<Sample> samples, ConcurrentBag<string> errors, Random random)
        : SimulatedUser(samples, errors, random)
    {
        private readonly PortalHttpSession _http = new(new Uri(product.PortalUrl + "/"), instance);
        private ServerCircuit? _circuit;

        private ServerCircuit Circuit => _circuit ?? throw new InvalidOperationException("Not signed in.");

        public override async Task<bool> SignInAsync()
        {
            (Uri Url, string Html) twoFactor = (_http.Portal, "");
            return await StepAsync(Interaction.SignInPassword, async () =>
            {
                var (url, html) = await _http.OpenSignInAsync("/applicants");
                var submitted = Stopwatch.StartNew();
                twoFactor = await _http.SubmitPasswordAsync(url, html, account);
                return submitted.Elapsed;
            }) && await StepAsync(Interaction.SignInCode, async () =>
            {
                var code = await Totp.UnusedCodeAsync(PortalHttpSession.AuthenticatorKey(twoFactor.Url, twoFactor.Html, account));
                var submitted = Stopwatch.StartNew();
                var (url, html) = await _http.SubmitCodeAsync(twoFactor.Url, twoFactor.Html, code);
                if (!url.AbsolutePath.EndsWith("/applicants", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"Signed in, the portal showed {url} instead of the applicants.");
                }

                _circuit = await ServerCircuit.StartAsync(_http, url, html, agent, Shows("applicant-link"), Timeout);
                return submitted.Elapsed;
            });
        }

        public override async Task WorkAsync()
        {
            await OpenByMenuAsync(Interaction.MyToken, "token", "device");
            await ThinkAsync();
            await OpenByMenuAsync(Interaction.OpenApplicants, "applicants", "applicant-link");
            await ThinkAsync();
            await StepAsync(Interaction.SearchApplicants, async () =>
            {
                var surname = SurnameNotIn(Circuit.TextsSinceNavigation());
                await Circuit.FillAsync("search-text", surname);
                var started = Stopwatch.StartNew();
                await Circuit.SubmitAsync("applicant-search", batch => batch.Texts.Any(t => Names(t, surname)), Timeout);
                return started.Elapsed;
            });
            await ThinkAsync();
            await OpenByMenuAsync(Interaction.OpenCertificates, "certificates", "certificate-row");
            await ThinkAsync();
            await StepAsync(Interaction.OpenCertificate, async () =>
            {
                var links = Circuit.InsertedSinceNavigation(e => e.Name == "a" && e.Attributes.GetValueOrDefault("href") is { } href && CertificateLink().IsMatch(href));
                if (links.Count == 0)
                {
                    throw new InvalidOperationException("The certificates page shows no certificate link.");
                }

                var started = Stopwatch.StartNew();
                await Circuit.NavigateAsync(links[Random.Next(links.Count)].Attributes["href"]!, Shows("certificate-detail"), Timeout);
                return started.Elapsed;
            });
            await ThinkAsync();
        }

        public override async ValueTask DisposeAsync()
        {
            try
            {
                if (_circuit is not null)
                {
                    await _circuit.CloseAsync();
                }
            }
            catch (HttpRequestException)
            {
                // The instance is gone or refused the goodbye: it ends the circuit itself when its retention period is over.
            }

            _http.Dispose();
        }

        private static Func<RenderBatchView, bool> Shows(string testId) => batch => batch.Elements.Any(e => e.TestId == testId);

        private Task<bool> OpenByMenuAsync(Interaction kind, string path, string shownWhenReady) => StepAsync(kind, async () =>
        {
            var started = Stopwatch.StartNew();
            await Circuit.NavigateAsync(path, Shows(shownWhenReady), Timeout);
            return started.Elapsed;
        });

        [System.Text.RegularExpressions.GeneratedRegex(@"^certificates/\d+$")]
        private static partial System.Text.RegularExpressions.Regex CertificateLink();
    }
}

using Qtsp.TestSupport;

namespace Qtsp.E2E.Infrastructure;

/// <summary>How a test wants the agent configured.</summary>
public sealed record AgentSetup(
    IReadOnlyList<string> Modules,
    IReadOnlyDictionary<string, string> ModuleEnvironment,
    IReadOnlyList<string>? AllowedOrigins = null,
    IReadOnlyList<string>? ExtraArguments = null);

/// <summary>The real token agent and the real portal as separate processes on free loopback ports.</summary>
public sealed class ProductUnderTest : IAsyncDisposable
{
    private readonly AgentSetup _agentSetup;
    private readonly string _dataDirectory;
    private ProductProcess? _agent;
    private ProductProcess? _portal;
    private IReadOnlyList<string> _portalArguments = [];
    private bool _ownsDataDirectory = true;

    // The browser profiles opened from now on belong to this product's test: they close with it (BrowserContexts).
    private readonly DateTime _startedAtUtc = DateTime.UtcNow;

    private ProductUnderTest(AgentSetup agentSetup, string dataDirectory)
    {
        _agentSetup = agentSetup;
        _dataDirectory = dataDirectory;
        AgentUrl = $"http://127.0.0.1:{ProductProcess.FreePort()}";
        PortalUrl = $"http://127.0.0.1:{ProductProcess.FreePort()}";
    }

    public string AgentUrl { get; }

    public string PortalUrl { get; }

    public DemoDevice? Demo { get; private set; }

    /// <summary>The portal's SQLite database, for checking what it recorded.</summary>
    public string DatabasePath => Path.Combine(_dataDirectory, "portal", "portal.db");

    /// <summary>The portal's audit records whose action is LIKE <paramref name="actions"/>, oldest first.</summary>
    public async Task<List<(string Action, string Actor, string Subject, string Details)>> AuditAsync(string actions)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Action, Actor, Subject, Details FROM AuditEvents WHERE Action LIKE $actions ORDER BY Id";
        command.Parameters.AddWithValue("$actions", actions);
        var events = new List<(string, string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            events.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? "" : reader.GetString(2), reader.IsDBNull(3) ? "" : reader.GetString(3)));
        }

        return events;
    }

    /// <summary>The demo accounts as the portal printed them at its first start (read from its output, as a person reads them).</summary>
    public DemoAccounts Accounts => _accounts ??= DemoAccounts.Parse(_portal?.Output ?? "");

    private DemoAccounts? _accounts;

    public string Logs => $"--- agent ---\n{_agent?.Output}\n--- portal ---\n{_portal?.Output}";

    /// <summary>The README's setup: the demo eToken through the simulator, agent and portal.</summary>
    /// <param name="allowedOrigins">The agent's allowed origins, given the portal's URL (default: the portal).</param>
    /// <param name="extraArguments">More settings for both programs, e.g. a log level.</param>
    public static Task<ProductUnderTest> StartWithDemoDeviceAsync(Func<string, IReadOnlyList<string>>? allowedOrigins = null, params string[] extraArguments) =>
        StartAsync(directory => DemoDevice.CreateAsync(Path.Combine(directory, "demo"), withDemoCaCertificate: false), allowedOrigins, extraArguments);

    /// <summary>The run command's demo device: besides the qualified key, an authentication key whose commercial certificate signs the holder in.</summary>
    public static Task<ProductUnderTest> StartWithAuthenticationKeyAsync() =>
        StartAsync(directory => DemoDevice.CreateAsync(Path.Combine(directory, "demo"), withDemoCaCertificate: false, withAuthenticationKey: true), null, []);

    /// <summary>
    /// The product with a device as the CA hands it out — registered for the demo holder (its service key on record),
    /// bound to nobody, no keys, a serial no test used before.
    /// </summary>
    public static async Task<ProductUnderTest> StartWithFreshDeviceAsync(params string[] extraArguments)
    {
        DemoDevice? fresh = null;
        var product = await StartAsync(
            async directory => fresh = await DemoDevice.CreateFreshAsync(Path.Combine(directory, "demo")).ConfigureAwait(false),
            null,
            extraArguments,
            () => [$"--Demo:DeviceSerial={fresh!.Serial}"]).ConfigureAwait(false);
        return product;
    }

    private static async Task<ProductUnderTest> StartAsync(Func<string, Task<DemoDevice>> createDevice, Func<string, IReadOnlyList<string>>? allowedOrigins,
        string[] extraArguments, Func<string[]>? portalArguments = null)
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("e2e");
        var demo = await createDevice(directory).ConfigureAwait(false);
        var simulator = await RepositoryPaths.SimulatorModuleAsync().ConfigureAwait(false);
        var product = new ProductUnderTest(new AgentSetup([simulator], demo.Environment, ExtraArguments: extraArguments), directory) { Demo = demo };
        product._portalArguments = [.. extraArguments, .. portalArguments?.Invoke() ?? []];
        var setup = allowedOrigins is null ? product._agentSetup : product._agentSetup with { AllowedOrigins = allowedOrigins(product.PortalUrl) };
        return await product.StartProcessesAsync(setup).ConfigureAwait(false);
    }

    /// <summary>
    /// The README's first command itself (eng/run.sh) on free ports, both programs under that one process. Without a data
    /// folder it gets a fresh one of its own; given one, it is a later start on that folder, which the caller cleans up.
    /// </summary>
    public static async Task<ProductUnderTest> StartWithRunCommandAsync(string? dataDirectory = null)
    {
        var product = new ProductUnderTest(new AgentSetup([], new Dictionary<string, string>()), dataDirectory ?? RepositoryPaths.NewTemporaryDirectory("e2e-run"))
        {
            _ownsDataDirectory = dataDirectory is null,
        };
        // As from a terminal: a test runner started in the background passes SIGINT down ignored, and a shell cannot trap a
        // signal ignored at its start, so Ctrl+C (SIGINT) gets its default back first.
        product._portal = ProductProcess.StartCommand("run command", "env", RepositoryPaths.Root, ["--default-signal=INT", Path.Combine(RepositoryPaths.Root, "eng", "run.sh")], new Dictionary<string, string>
        {
            ["QTSP_DATA"] = product._dataDirectory,
            ["PORTAL_URL"] = product.PortalUrl,
            ["AGENT_URL"] = product.AgentUrl,
            // Products run side by side: none takes the default metrics port.
            ["Observability__MetricsPort"] = "0",
        });
        // The first start builds the simulator and the demo device; the projects are already built by the test command.
        await product._portal.WaitForOutputAsync("Press Ctrl+C to stop.", TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        product.Demo = DemoDevice.Open(Path.Combine(product._dataDirectory, "demo"));
        return product;
    }

    /// <summary>
    /// The cluster command (eng/cluster.sh) on free ports with a data folder of its own: PostgreSQL, portal instances on
    /// <paramref name="instancePorts"/>, HAProxy at <see cref="PortalUrl"/>, and the agent with the demo device as the
    /// run command has them. The projects are built already by the test command.
    /// </summary>
    /// <param name="environment">More settings for the command and the instances (e.g. <c>Demo__BenchmarkRepresentatives</c>).</param>
    public static async Task<ProductUnderTest> StartWithClusterCommandAsync(IReadOnlyList<int> instancePorts, IReadOnlyDictionary<string, string>? environment = null)
    {
        var product = new ProductUnderTest(new AgentSetup([], new Dictionary<string, string>()), RepositoryPaths.NewTemporaryDirectory("e2e-cluster"));
        var settings = new Dictionary<string, string>
        {
            ["QTSP_DATA"] = product._dataDirectory,
            ["CLUSTER_URL"] = product.PortalUrl,
            ["CLUSTER_PORTS"] = string.Join(' ', instancePorts),
            ["CLUSTER_POSTGRES_PORT"] = product._clusterDatabasePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The instances' metrics ports follow this one (a run of the product beside the test keeps 9464 and 9471…).
            ["CLUSTER_METRICS_PORT"] = ProductProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CLUSTER_BUILD"] = "no",
            ["AGENT_URL"] = product.AgentUrl,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }

        product._portal = ProductProcess.StartCommand("cluster command", "env", RepositoryPaths.Root, ["--default-signal=INT", Path.Combine(RepositoryPaths.Root, "eng", "cluster.sh")], settings);
        await product._portal.WaitForOutputAsync("Press Ctrl+C to stop.", TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        product.Demo = DemoDevice.Open(Path.Combine(product._dataDirectory, "demo"));
        return product;
    }

    private readonly int _clusterDatabasePort = ProductProcess.FreePort();

    /// <summary>One column of a query on the cluster command's PostgreSQL database (psql, as its owner), one value per row.</summary>
    public async Task<IReadOnlyList<string>> ClusterQueryAsync(string sql)
    {
        var result = await ProcessRunner.RunCheckedAsync("psql",
            ["-h", "127.0.0.1", "-p", _clusterDatabasePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "qtsp", "-d", "portal", "-tAc", sql],
            new Dictionary<string, string> { ["PGPASSWORD"] = (await File.ReadAllTextAsync(Path.Combine(_dataDirectory, "postgres.password")).ConfigureAwait(false)).Trim() })
            .ConfigureAwait(false);
        return [.. result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>The process id of each portal instance the cluster command started, in the order of their ports.</summary>
    public IReadOnlyList<int> ClusterInstancePids() =>
        [.. File.ReadAllLines(Path.Combine(_dataDirectory, "portal.pids")).Where(l => l.Length > 0).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The output of the run command, or of the portal.</summary>
    public string PortalOutput => _portal?.Output ?? "";

    /// <summary>Ctrl+C on the run command (or the portal): true when it ended in time.</summary>
    public Task<bool> InterruptAsync(TimeSpan timeout) => _portal?.InterruptAsync(timeout) ?? Task.FromResult(true);

    public static Task<ProductUnderTest> StartAsync(AgentSetup agentSetup) =>
        new ProductUnderTest(agentSetup, RepositoryPaths.NewTemporaryDirectory("e2e")).StartProcessesAsync(agentSetup);

    /// <summary>As the run command does: the portal (its CA issues the demo holder's certificate), the certificate onto the demo device, the agent.</summary>
    private async Task<ProductUnderTest> StartProcessesAsync(AgentSetup setup)
    {
        _portal = ProductProcess.Start("portal", "Portal",
        [
            "--urls", PortalUrl,
            $"--Portal:DataDirectory={Path.Combine(_dataDirectory, "portal")}",
            $"--AgentBridge:Url={AgentUrl}",
            "--AgentBridge:RetryMilliseconds=500",
            $"--Pki:PublicBaseUrl={PortalUrl}",
            "--Observability:MetricsPort=0", // products run side by side: none takes the default metrics port
            // The run command's demo data (eng/run.sh): accounts whose one-time passwords the portal prints at first start.
            "--Demo:Enabled=true",
            .. Demo is null ? Array.Empty<string>() :
            [
                $"--Demo:ServiceKeyPath={Path.Combine(Demo.Directory, "service-key.pub.pem")}",
                $"--Demo:HolderPublicKeyPath={Demo.HolderPublicKeyPath}",
                $"--Demo:HolderCertificatePath={Demo.HolderCertificatePath}",
                $"--Demo:HolderAuthenticationPublicKeyPath={Demo.HolderAuthenticationPublicKeyPath}",
                $"--Demo:HolderAuthenticationCertificatePath={Demo.HolderAuthenticationCertificatePath}",
            ],
            .. _portalArguments,
        ]);
        await _portal.WaitUntilServingAsync(PortalUrl + "/health").ConfigureAwait(false);
        if (Demo is not null && File.Exists(Demo.HolderCertificatePath))
        {
            await Demo.InstallHolderCertificateAsync().ConfigureAwait(false);
        }

        if (Demo is not null && File.Exists(Demo.HolderAuthenticationCertificatePath))
        {
            await Demo.InstallHolderAuthenticationCertificateAsync().ConfigureAwait(false);
        }

        await StartAgentAsync(setup).ConfigureAwait(false);
        return this;
    }

    private Task StartAgentAsync(AgentSetup setup)
    {
        var arguments = new List<string> { "--headless", $"--Agent:Url={AgentUrl}", "--Agent:PollIntervalMilliseconds=500" };
        var origins = setup.AllowedOrigins ?? [PortalUrl];
        arguments.AddRange(origins.Select((origin, i) => $"--Agent:AllowedOrigins:{i}={origin}"));
        arguments.AddRange(setup.Modules.Select((module, i) => $"--Agent:Modules:{i}={module}"));
        arguments.AddRange(setup.ModuleEnvironment.Select(e => $"--Agent:Environment:{e.Key}={e.Value}"));
        arguments.AddRange(setup.ExtraArguments ?? []);
        // The command of an installed agent package instead of the built Agent.dll (eng/test-agent-package.sh sets it).
        var installed = Environment.GetEnvironmentVariable("QTSP_E2E_INSTALLED_AGENT");
        _agent = string.IsNullOrEmpty(installed)
            ? ProductProcess.Start("agent", "Agent", arguments)
            : ProductProcess.StartCommand("installed agent", installed, RepositoryPaths.Root, arguments);
        return _agent.WaitUntilServingAsync(AgentUrl + "/");
    }

    public async Task StopAgentAsync()
    {
        if (_agent is not null)
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
            _agent = null;
        }
    }

    public Task StartAgentAgainAsync() => StartAgentAsync(_agentSetup);

    public async Task StopPortalAsync()
    {
        if (_portal is not null)
        {
            await _portal.StopAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await BrowserContexts.CloseOpenedSinceAsync(_startedAtUtc).ConfigureAwait(false);
        await StopAgentAsync().ConfigureAwait(false);
        if (_portal is not null)
        {
            await _portal.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsDataDirectory)
        {
            RepositoryPaths.DeleteQuietly(_dataDirectory);
        }
    }
}

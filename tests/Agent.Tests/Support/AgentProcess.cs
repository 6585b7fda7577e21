using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Support;

/// <summary>
/// The built agent run as its own process (dotnet agent/bin/&lt;configuration&gt;/net10.0/Agent.dll), for modules that
/// must not be loaded into the test process (the PKCS#11 simulator wraps the same SoftHSM library).
/// </summary>
public sealed partial class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"The agent exited with {process.ExitCode}:\n{Output}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>agent/bin/&lt;configuration&gt;/net10.0/Agent.dll, built with this test project (it references the agent).</summary>
    public static string AssemblyPath
    {
        get
        {
            var configuration = typeof(AgentProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var path = Path.Combine(RepositoryPaths.Root, "agent", "bin", configuration, "net10.0", "Agent.dll");
            File.Exists(path).ShouldBeTrue($"the built agent at {path}");
            return path;
        }
    }

    public Uri BaseAddress { get; private set; } = null!;

    public string Output => string.Join('\n', _output);

    /// <summary>Starts the agent on an ephemeral loopback port and waits until it says where it listens.</summary>
    /// <param name="headless">False: as the agent starts with a desktop session, with its tray where the session has one.</param>
    public static async Task<AgentProcess> StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool headless = true)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(AssemblyPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[AssemblyPath, "--Agent:Url=http://127.0.0.1:0", .. headless ? ["--headless"] : Array.Empty<string>(), .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var agent = new AgentProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start the agent."));
        try
        {
            agent.BaseAddress = await agent._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return agent;
        }
        catch (TimeoutException)
        {
            await agent.DisposeAsync();
            throw new TimeoutException($"The agent did not report its address in time:\n{agent.Output}");
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    /// <summary>The exit code once the agent stopped by itself within <paramref name="timeout"/>.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    // AgentHost logs "Token agent listening on http://127.0.0.1:<port> for portal origins …" once Kestrel is bound.
    [GeneratedRegex(@"Token agent listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}

using System.Collections.Concurrent;
using System.Diagnostics;
using Qtsp.TestSupport;

namespace Qtsp.E2E.Infrastructure;

/// <summary>A built product executable (agent or portal) run as a real process, with its output kept for diagnosis.</summary>
public sealed class ProductProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ProductProcess(Process process, string name)
    {
        _process = process;
        Name = name;
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    private static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string AssemblyPath(string project, string assembly) =>
        Path.Combine(RepositoryPaths.Root, project, "bin", Configuration, "net10.0", assembly + ".dll");

    public static ProductProcess Start(string project, string assembly, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        StartCommand(assembly, "dotnet", Path.Combine(RepositoryPaths.Root, project), [AssemblyPath(project, assembly), .. arguments], environment);

    /// <summary>Starts any command (e.g. the README's run command) with the product's environment.</summary>
    public static ProductProcess StartCommand(string name, string fileName, string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        return new ProductProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}."), name);
    }

    /// <summary>Waits until the process has written <paramref name="text"/>, failing early if it dies.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before writing \"{text}\":\n{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name} did not write \"{text}\" in time:\n{Output}");
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does, and waits for the process to end; false if it did not in time.</summary>
    public async Task<bool> InterruptAsync(TimeSpan timeout)
    {
        await ProcessRunner.RunCheckedAsync("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits until <paramref name="url"/> answers with success, failing early if the process dies.</summary>
    public async Task WaitUntilServingAsync(string url, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(url).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"{Name} did not serve {url} in time:\n{Output}");
    }

    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public static int FreePort() => LoopbackPorts.Free();

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 2000 && _output.TryDequeue(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
    }
}

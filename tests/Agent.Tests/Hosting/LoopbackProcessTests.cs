using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Qtsp.Agent.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Hosting;

/// <summary>
/// The built agent (dotnet Agent.dll) asked, by every route a host offers, to listen on a network: it must
/// stop at once with a plain message on stderr, and never listen on a non-loopback address meanwhile.
/// </summary>
public sealed class LoopbackProcessTests
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(15);

    public static TheoryData<string, string[], string[], string> Attempts => new()
    {
        // route, arguments, environment (NAME=VALUE), expected message fragment; {port} is replaced by a free port
        { "Agent:Url on all IPv4 interfaces", ["--Agent:Url=http://0.0.0.0:{port}"], [], "Agent:Url 'http://0.0.0.0:{port}' is not a loopback address" },
        { "Agent:Url on all IPv6 interfaces", ["--Agent:Url=http://[::]:{port}"], [], "is not a loopback address" },
        { "--urls", ["--urls", "http://0.0.0.0:{port}"], [], "urls 'http://0.0.0.0:{port}' is not a loopback address" },
        { "ASPNETCORE_URLS wildcard", [], ["ASPNETCORE_URLS=http://+:{port}"], "urls 'http://0.0.0.0:{port}' is not a loopback address" },
        { "ASPNETCORE_HTTP_PORTS", [], ["ASPNETCORE_HTTP_PORTS={port}"], "'http_ports' would listen on every network interface" },
        { "Kestrel:Endpoints", ["--Kestrel:Endpoints:Http:Url=http://0.0.0.0:{port}"], [], "Kestrel:Endpoints is not honoured" },
    };

    [Theory]
    [MemberData(nameof(Attempts))]
    public async Task The_agent_refuses_to_listen_on_a_network(string route, string[] arguments, string[] environment, string message)
    {
        var port = FreePort();
        string Fill(string text) => text.Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var variables = environment.Select(Fill).Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        variables["DOTNET_NOLOGO"] = "1";
        var started = Stopwatch.StartNew();
        var run = ProcessRunner.RunAsync(
            "dotnet",
            [AgentProcess.AssemblyPath, .. arguments.Select(Fill), "--headless", "--Agent:Modules:0=/nonexistent/pkcs11.so"],
            variables,
            workingDirectory: Path.GetDirectoryName(AgentProcess.AssemblyPath),
            timeout: Quickly);

        // Watch the port while the agent runs: a listener on a non-loopback address, however brief, fails the test.
        var seen = new List<string>();
        while (!run.IsCompleted)
        {
            seen.AddRange(NonLoopbackListeners(port));
            await Task.WhenAny(run, Task.Delay(20));
        }

        var result = await run;
        seen.AddRange(NonLoopbackListeners(port));

        result.ExitCode.ShouldNotBe(0, $"{route}: {result.Combined}");
        started.Elapsed.ShouldBeLessThan(Quickly, route);
        result.Error.ShouldStartWith("Token agent not started: ", Case.Sensitive, route);
        result.Error.ShouldContain(Fill(message), Case.Sensitive, route);
        seen.ShouldBeEmpty($"{route}: listened on a non-loopback address");
    }

    [Fact]
    public void The_port_watch_sees_a_listener_on_all_interfaces()
    {
        // Guards the watch itself: it must notice exactly what the test above forbids.
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        NonLoopbackListeners(port).ShouldNotBeEmpty();
    }

    [Fact]
    public void The_port_watch_ignores_a_loopback_listener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        NonLoopbackListeners(((IPEndPoint)listener.LocalEndpoint).Port).ShouldBeEmpty();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Any, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sockets in LISTEN state on <paramref name="port"/> whose address is not loopback, from /proc/net/tcp and tcp6.</summary>
    private static List<string> NonLoopbackListeners(int port)
    {
        const string listen = "0A";
        var found = new List<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = columns[1].Split(':');
                if (columns[3] != listen || int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != port)
                {
                    continue;
                }

                var address = ProcAddress(local[0]);
                if (!IPAddress.IsLoopback(address))
                {
                    found.Add($"{address}:{port}");
                }
            }
        }

        return found;
    }

    /// <summary>/proc/net addresses are 32-bit words in host (little-endian) order, each printed as hex.</summary>
    private static IPAddress ProcAddress(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new IPAddress(bytes);
    }
}

using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Qtsp.Agent.Hosting;
using Qtsp.Agent.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Tray;

/// <summary>One agent per session (the loopback port is the lock) and the settings file in the user's config folder.</summary>
public sealed class SingleInstanceTests
{
    [Fact]
    public async Task A_second_start_leaves_it_to_the_running_agent_and_a_foreign_program_on_the_port_is_named()
    {
        await using var first = await AgentProcess.StartAsync([]);
        var url = $"http://127.0.0.1:{first.BaseAddress.Port}";

        var second = await ProcessRunner.RunAsync("dotnet", [AgentProcess.AssemblyPath, $"--Agent:Url={url}", "--headless"]);
        second.ExitCode.ShouldBe(0, second.Combined);
        second.Combined.ShouldContain($"The token agent is already running at {url}");
        second.Combined.ShouldNotContain("fail:", Case.Sensitive, "a handover is not an error: nothing started, nothing failed");

        // Something else holding a port: a listener that accepts and answers nothing the agent recognises.
        using var foreign = new TcpListener(IPAddress.Loopback, 0);
        foreign.Start();
        var port = ((IPEndPoint)foreign.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await foreign.AcceptTcpClientAsync(stop.Token);
                await client.GetStream().WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"u8.ToArray(), stop.Token);
            }
        });

        var third = await ProcessRunner.RunAsync("dotnet", [AgentProcess.AssemblyPath, $"--Agent:Url=http://127.0.0.1:{port}", "--headless"]);
        third.ExitCode.ShouldBe(3, third.Combined);
        third.Combined.ShouldContain($"http://127.0.0.1:{port} is taken by another program, not by the token agent");
        third.Combined.ShouldNotContain("BackgroundService failed", Case.Sensitive, "what started before the bind failed is stopped, not torn down");
        await stop.CancelAsync();
    }

    [Fact]
    public void The_user_settings_file_overrides_appsettings_and_the_command_line_overrides_it()
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("agent-settings");
        try
        {
            var path = UserSettings.Path(name => name == "XDG_CONFIG_HOME" ? directory : null, windows: false).ShouldNotBeNull();
            path.ShouldBe(Path.Combine(directory, "qtsp-agent", "settings.json"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, """{ "Agent": { "Url": "http://127.0.0.1:1111", "AllowedOrigins": [ "https://portal.example" ], "PollIntervalMilliseconds": 700 } }""");
            var appsettings = Path.Combine(directory, "appsettings.json");
            File.WriteAllText(appsettings, """{ "Agent": { "Url": "http://127.0.0.1:47180", "PollIntervalMilliseconds": 1000, "OperationTimeoutSeconds": 60 } }""");

            var configuration = new ConfigurationManager();
            configuration.AddJsonFile(appsettings);
            configuration.AddCommandLine(["--Agent:Url=http://127.0.0.1:2222"]);
            UserSettings.AddTo(configuration, path);

            configuration["Agent:Url"].ShouldBe("http://127.0.0.1:2222", "the command line wins");
            configuration["Agent:PollIntervalMilliseconds"].ShouldBe("700", "the user's file wins over appsettings");
            configuration["Agent:AllowedOrigins:0"].ShouldBe("https://portal.example");
            configuration["Agent:OperationTimeoutSeconds"].ShouldBe("60", "what the user's file does not set stays");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void The_settings_folder_is_the_users_config_folder_of_each_os()
    {
        UserSettings.Path(name => name == "HOME" ? "/home/jan" : null, windows: false).ShouldBe("/home/jan/.config/qtsp-agent/settings.json");
        UserSettings.Path(name => name == "APPDATA" ? "C:/Users/jan/AppData/Roaming" : null, windows: true)
            .ShouldBe(Path.Combine("C:/Users/jan/AppData/Roaming", "qtsp-agent", "settings.json"));
        UserSettings.Path(_ => null, windows: false).ShouldBeNull();
    }
}

using System.Globalization;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Agent.Tests.Bridge;
using Qtsp.Agent.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Tray;

/// <summary>
/// The built agent, started as with a desktop session (no --headless), under a private session bus with a
/// StatusNotifierWatcher of the test's own, over the PKCS#11 simulator's demo device: the tray item it registers follows
/// the device leaving and coming back and an operation running, and its menu's quit stops the agent.
/// </summary>
public sealed class StatusNotifierTrayTests
{
    private const string Origin = "http://portal.test:5180";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_tray_item_follows_the_device_and_an_operation_and_quit_stops_the_agent()
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("agent-tray");
        try
        {
            var device = await DemoDevice.CreateAsync(Path.Combine(directory, "device"));
            await using var bus = await SessionBus.StartAsync();
            using var watcher = await TestStatusNotifierWatcher.StartAsync(bus);
            await using var agent = await StartAgentAsync(device, bus.Address, language: "cs_CZ.UTF-8");

            var service = await watcher.NextRegistrationAsync(Patience);
            service.ShouldStartWith("org.kde.StatusNotifierItem-");
            using var host = await bus.ConnectAsync();
            var item = new TrayItemClient(host, service);

            await EventuallyAsync(agent, async () => await item.StatusAsync() == "Active" && await item.IconAsync() == "qtsp-agent-device");
            var (title, text) = await item.ToolTipAsync();
            title.ShouldBe("Tokenový agent: Běží, zařízení je připojeno");
            text.ShouldContain("Připojená zařízení: 1");

            var statuses = System.Threading.Channels.Channel.CreateUnbounded<string>();
            using var subscription = await item.WatchNewStatusAsync(statuses.Writer);
            device.Unplug();
            try
            {
                await EventuallyAsync(agent, async () => await item.StatusAsync() == "Passive" && await item.IconAsync() == "qtsp-agent");
                (await statuses.Reader.ReadAsync().AsTask().WaitAsync(Patience)).ShouldBe("Passive", "the host hears the change without polling");
                (await item.ToolTipAsync()).Text.ShouldContain("Připojená zařízení: 0");
            }
            finally
            {
                device.PlugIn();
            }

            await EventuallyAsync(agent, async () => await item.StatusAsync() == "Active");

            // A slow login from a page: the icon says an operation runs, and the tooltip which portal asked for it.
            await using var page = await AgentHubClient.ConnectAsync(AgentHubClient.HubAddress(agent.BaseAddress), Origin);
            var deviceId = (await page.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Value!.Single().DeviceId;
            device.SetSlowness(TimeSpan.FromSeconds(3));
            var login = page.InvokeAsync<AgentResult<bool>>(
                AgentHubContract.Login, new AreaLogin(deviceId, AreaKind.Standard, [.. DemoDevice.Pin.Select(c => (int)c)], false));
            await EventuallyAsync(agent, async () => await item.IconAsync() == "qtsp-agent-busy");
            (await item.ToolTipAsync()).Text.ShouldContain(Origin);
            device.SetSlowness(null);
            (await login).Error.ShouldBeNull();
            await EventuallyAsync(agent, async () => await item.IconAsync() == "qtsp-agent-device");

            var menu = await item.TopMenuAsync();
            menu.Select(m => m.Label).ShouldContain("Otevřít portál");
            var quit = menu.Single(m => m.Label == "Ukončit");
            await item.ClickAsync(quit.Id);

            (await agent.ExitCodeAsync(Patience)).ShouldBe(0, agent.Output);
            agent.Output.ShouldContain("Tray icon registered on the session bus");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_change_while_the_item_registers_reaches_a_host_that_read_the_item_before()
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("agent-tray-register");
        try
        {
            var device = await DemoDevice.CreateAsync(Path.Combine(directory, "device"));
            await using var bus = await SessionBus.StartAsync();
            using var watcher = await TestStatusNotifierWatcher.StartAsync(bus, holdReplies: true);
            await using var agent = await StartAgentAsync(device, bus.Address, language: "en_GB.UTF-8");

            // As a panel does when an item makes itself known: read its state, then follow its signals.
            var service = await watcher.NextRegistrationAsync(Patience);
            using var host = await bus.ConnectAsync();
            var item = new TrayItemClient(host, service);
            await EventuallyAsync(agent, async () => await item.StatusAsync() == "Active");
            var statuses = System.Threading.Channels.Channel.CreateUnbounded<string>();
            using var subscription = await item.WatchNewStatusAsync(statuses.Writer);

            // The device leaves before the agent has heard that its item is registered.
            device.Unplug();
            await EventuallyAsync(agent, async () => await item.StatusAsync() == "Passive");
            watcher.ReleaseReplies();

            (await statuses.Reader.ReadAsync().AsTask().WaitAsync(Patience)).ShouldBe("Passive", "the host must not keep showing a device that left");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_tray_host_the_agent_runs_headless_and_says_so_once()
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("agent-tray-none");
        try
        {
            var device = await DemoDevice.CreateAsync(Path.Combine(directory, "device"));
            await using var bus = await SessionBus.StartAsync(); // a session bus, but no panel on it
            await using var agent = await StartAgentAsync(device, bus.Address, language: "en_GB.UTF-8");

            await EventuallyAsync(agent, () => Task.FromResult(agent.Output.Contains("No system tray", StringComparison.Ordinal)));
            await using var page = await AgentHubClient.ConnectAsync(AgentHubClient.HubAddress(agent.BaseAddress), Origin);
            (await page.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Value.ShouldNotBeNull().Count.ShouldBe(1);

            var lines = agent.Output.Split('\n').Where(l => l.Contains("No system tray", StringComparison.Ordinal)).ToArray();
            lines.ShouldHaveSingleItem().ShouldContain("no tray host (org.kde.StatusNotifierWatcher) on the session bus; running headless");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<AgentProcess> StartAgentAsync(DemoDevice device, string busAddress, string language) =>
        await AgentProcess.StartAsync(
            [
                $"--Agent:AllowedOrigins:0={Origin}",
                $"--Agent:Modules:0={await RepositoryPaths.SimulatorModuleAsync()}",
                $"--Agent:Environment:SOFTHSM2_CONF={device.SoftHsmConfig}",
                $"--Agent:Environment:P11SIM_CONFIG={device.SimulatorConfig}",
                "--Agent:PollIntervalMilliseconds=100",
            ],
            new Dictionary<string, string>
            {
                ["DBUS_SESSION_BUS_ADDRESS"] = busAddress,
                ["LANG"] = language,
                ["LC_ALL"] = "",
                ["LC_MESSAGES"] = "",
                ["LANGUAGE"] = "",
                ["XDG_CONFIG_HOME"] = Path.Combine(Path.GetDirectoryName(device.Directory)!, "config"),
            },
            headless: false);

    private static async Task EventuallyAsync(AgentProcess agent, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Not reached within {Patience.TotalSeconds} s. Agent output:\n{agent.Output}"));
            }

            await Task.Delay(100);
        }
    }
}

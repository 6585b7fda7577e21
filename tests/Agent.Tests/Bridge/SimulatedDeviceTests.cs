using System.Globalization;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Agent.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Bridge;

/// <summary>
/// The built agent as its own process over the PKCS#11 simulator presenting the demo eToken 5110 CC
/// (eng/demo-device.sh): what SoftHSM alone cannot show — one serial for both areas, a vendor model, PIN retry
/// states set through the simulator's counter files, and the device leaving and coming back.
/// The simulator wraps the SoftHSM library, so it never loads into this test process.
/// </summary>
public sealed class SimulatedDeviceTests(SimulatedDeviceTests.SimulatedAgent simulated) : IClassFixture<SimulatedDeviceTests.SimulatedAgent>
{
    private const string Origin = "http://portal.test:5180";

    private DemoDevice Device => simulated.Device;

    private AgentProcess Agent => simulated.Agent;

    [Fact]
    public async Task The_demo_etoken_is_one_device_with_both_areas_and_their_pin_states()
    {
        await using var connection = await ConnectAsync();

        var result = await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices);

        var device = result.Value.ShouldNotBeNull().ShouldHaveSingleItem($"agent output:\n{Agent.Output}");
        (device.ModelId, device.ModelName, device.Manufacturer, device.SerialNumber)
            .ShouldBe((DeviceModelCatalogue.EToken5110Cc.Id, "SafeNet eToken 5110 CC", "SafeNet, Inc.", Device.Serial));
        device.Areas.Select(a => (a.Kind, a.Label)).ShouldBe([(AreaKind.Standard, DemoDevice.StandardLabel), (AreaKind.Qualified, DemoDevice.QualifiedLabel)]);

        var standard = device.Areas[0];
        standard.UserPin.ShouldBe(new PinStatus(PinKind.Pin, PinState.FinalTry, false));
        standard.SoPin.ShouldBe(new PinStatus(PinKind.Puk, PinState.Ok, false));
        standard.Memory.ShouldNotBeNull().TotalPublic.ShouldBe(73728);
        standard.Keys.Where(k => k.Role == KeyRole.ServiceKey).ShouldNotBeEmpty();

        var qualified = device.Areas[1];
        qualified.UserPin.ShouldBe(new PinStatus(PinKind.QPin, PinState.Locked, false));
        qualified.SoPin.ShouldBe(new PinStatus(PinKind.QPuk, PinState.CountLow, true));
        var certificate = qualified.Certificates.ShouldHaveSingleItem();
        (certificate.IsQualified, certificate.IsOnQscd, certificate.HasPrivateKey).ShouldBe((true, true, true));
        certificate.Subject.ShouldContain($"CN={DemoDevice.Holder}");
    }

    [Fact]
    public async Task Token_info_reports_the_live_pin_state_of_each_area()
    {
        await using var connection = await ConnectAsync();
        var deviceId = (await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Value!.Single().DeviceId;

        var qualified = await connection.InvokeAsync<AgentResult<TokenStatus>>(AgentHubContract.GetTokenInfo, deviceId, AreaKind.Qualified);

        qualified.Error.ShouldBeNull();
        var status = qualified.Value.ShouldNotBeNull();
        (status.Label, status.SerialNumber).ShouldBe((DemoDevice.QualifiedLabel, Device.Serial));
        status.UserPin.ShouldBe(new PinStatus(PinKind.QPin, PinState.Locked, false));
        status.SoPin.ShouldBe(new PinStatus(PinKind.QPuk, PinState.CountLow, true));
    }

    [Fact]
    public async Task Pages_hear_when_the_device_leaves_and_comes_back_under_the_same_id()
    {
        await using var connection = await ConnectAsync();
        var changes = Channel.CreateUnbounded<List<DeviceSnapshot>>();
        using var subscription = connection.On<List<DeviceSnapshot>>(AgentHubContract.DevicesChanged, devices => changes.Writer.TryWrite(devices));
        var deviceId = (await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Value!.Single().DeviceId;

        Device.Unplug();
        try
        {
            await NextChangeAsync(changes.Reader, devices => devices.Count == 0);
            (await connection.InvokeAsync<AgentResult<TokenStatus>>(AgentHubContract.GetTokenInfo, deviceId, AreaKind.Standard))
                .Error.ShouldBe(new AgentError(AgentErrorCode.DeviceNotFound));
        }
        finally
        {
            Device.PlugIn();
        }

        var back = (await NextChangeAsync(changes.Reader, devices => devices.Count == 1)).Single();
        back.DeviceId.ShouldBe(deviceId, "the id follows the device, not the slot");
        back.Areas.Count.ShouldBe(2);
        (await connection.InvokeAsync<AgentResult<TokenStatus>>(AgentHubContract.GetTokenInfo, deviceId, AreaKind.Standard)).Error.ShouldBeNull();
    }

    [Fact]
    public async Task A_changed_retry_counter_is_pushed_to_pages()
    {
        await using var connection = await ConnectAsync();
        var changes = Channel.CreateUnbounded<List<DeviceSnapshot>>();
        using var subscription = connection.On<List<DeviceSnapshot>>(AgentHubContract.DevicesChanged, devices => changes.Writer.TryWrite(devices));
        (await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Error.ShouldBeNull();

        // Another application (or the holder at another tool) spends a try: the counter file changes under the agent.
        var standard = await Device.TokenAsync(DemoDevice.StandardLabel);
        await File.WriteAllTextAsync(Path.Combine(Device.StateDirectory, "counters", standard.Serial), "user_remaining = 3\n");

        try
        {
            await NextChangeAsync(changes.Reader, devices => devices.Count == 1 && devices[0].Areas[0].UserPin.State == PinState.CountLow);
        }
        finally
        {
            await File.WriteAllTextAsync(Path.Combine(Device.StateDirectory, "counters", standard.Serial), SimulatedAgent.StandardCounters);
        }

        await NextChangeAsync(changes.Reader, devices => devices.Count == 1 && devices[0].Areas[0].UserPin.State == PinState.FinalTry);
    }

    private Task<HubConnection> ConnectAsync() => AgentHubClient.ConnectAsync(AgentHubClient.HubAddress(Agent.BaseAddress), Origin);

    /// <summary>The next DevicesChanged that satisfies <paramref name="expected"/> (earlier ones are skipped).</summary>
    private async Task<List<DeviceSnapshot>> NextChangeAsync(ChannelReader<List<DeviceSnapshot>> changes, Func<List<DeviceSnapshot>, bool> expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (true)
            {
                var devices = await changes.ReadAsync(timeout.Token);
                if (expected(devices))
                {
                    return devices;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"No matching {AgentHubContract.DevicesChanged} within 10 s. Agent output:\n{Agent.Output}"));
        }
    }

    /// <summary>One demo device and one agent process for the class; tests that change the device put it back.</summary>
    public sealed class SimulatedAgent : IAsyncLifetime
    {
        /// <summary>Standard PIN: one try left of 5 (final try).</summary>
        public const string StandardCounters = "user_remaining = 1\n";

        /// <summary>QPIN locked; QPUK two tries left of 3 and still the factory value.</summary>
        public const string QualifiedCounters = "user_locked = 1\nso_remaining = 2\nso_to_be_changed = 1\n";

        private string _directory = null!;

        public DemoDevice Device { get; private set; } = null!;

        public AgentProcess Agent { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _directory = RepositoryPaths.NewTemporaryDirectory("agent-simulated-etoken");
            var simulator = await RepositoryPaths.SimulatorModuleAsync();
            Device = await DemoDevice.CreateAsync(Path.Combine(_directory, "device"));

            // PIN states as the simulator keeps them, per real token serial; it reads them at every call.
            var counters = Directory.CreateDirectory(Path.Combine(Device.StateDirectory, "counters")).FullName;
            await File.WriteAllTextAsync(Path.Combine(counters, (await Device.TokenAsync(DemoDevice.StandardLabel)).Serial), StandardCounters);
            await File.WriteAllTextAsync(Path.Combine(counters, (await Device.TokenAsync(DemoDevice.QualifiedLabel)).Serial), QualifiedCounters);

            Agent = await AgentProcess.StartAsync(
            [
                $"--Agent:AllowedOrigins:0={Origin}",
                $"--Agent:Modules:0={simulator}",
                $"--Agent:Environment:SOFTHSM2_CONF={Device.SoftHsmConfig}",
                $"--Agent:Environment:P11SIM_CONFIG={Device.SimulatorConfig}",
                "--Agent:PollIntervalMilliseconds=100",
            ]);
        }

        public async Task DisposeAsync()
        {
            if (Agent is not null)
            {
                await Agent.DisposeAsync();
            }

            Directory.Delete(_directory, recursive: true);
        }
    }
}

using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Agent.Tests.Bridge;
using Qtsp.Agent.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>
/// A fresh demo eToken (eng/demo-device.sh) behind the simulator, the built agent as its own process, and a hub
/// connection as a page opens it. Each test that changes the device gets its own rig.
/// </summary>
public sealed class TokenCareRig : IAsyncDisposable
{
    public const string Origin = "http://portal.test:5180";

    private readonly string _directory;

    private TokenCareRig(string directory, DemoDevice device, AgentProcess agent, HubConnection connection, string deviceId)
    {
        _directory = directory;
        Device = device;
        Agent = agent;
        Connection = connection;
        DeviceId = deviceId;
        connection.On<string?, OperationStage>(AgentHubContract.OperationProgress, (_, stage) => Stages.Writer.TryWrite(stage));
    }

    public DemoDevice Device { get; }

    public AgentProcess Agent { get; }

    public HubConnection Connection { get; }

    public string DeviceId { get; }

    public Channel<OperationStage> Stages { get; } = Channel.CreateUnbounded<OperationStage>();

    public static async Task<TokenCareRig> StartAsync(params string[] agentArguments)
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("token-care");
        var device = await DemoDevice.CreateAsync(Path.Combine(directory, "device"));
        var agent = await AgentProcess.StartAsync(
        [
            $"--Agent:AllowedOrigins:0={Origin}",
            $"--Agent:Modules:0={await RepositoryPaths.SimulatorModuleAsync()}",
            $"--Agent:Environment:SOFTHSM2_CONF={device.SoftHsmConfig}",
            $"--Agent:Environment:P11SIM_CONFIG={device.SimulatorConfig}",
            "--Agent:PollIntervalMilliseconds=200",
            "--Logging:LogLevel:Default=Trace",
            .. agentArguments,
        ]);
        var connection = await AgentHubClient.ConnectAsync(AgentHubClient.HubAddress(agent.BaseAddress), Origin);
        var devices = await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices);
        return new TokenCareRig(directory, device, agent, connection, devices.Value.ShouldNotBeNull().ShouldHaveSingleItem().DeviceId);
    }

    public static int[] Codes(string secret) => secret.Select(c => (int)c).ToArray();

    public Task<AgentResult<T>> InvokeAsync<T>(string method, params object?[] arguments) =>
        Connection.InvokeCoreAsync<AgentResult<T>>(method, arguments);

    public async Task<DeviceSnapshot> DeviceAsync() =>
        (await Connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Value.ShouldNotBeNull().Single(d => d.DeviceId == DeviceId);

    public async Task<AreaSnapshot> AreaAsync(AreaKind kind) => (await DeviceAsync()).Areas.Single(a => a.Kind == kind);

    /// <summary>Whether SoftHSM itself (through pkcs11-tool, not the agent or the simulator) accepts this user PIN.</summary>
    public async Task<bool> UserPinWorksAsync(string areaLabel, string pin) =>
        (await Device.Pkcs11ToolAsync(areaLabel, "--login", "--pin", pin, "-O")).ExitCode == 0;

    /// <summary>Whether SoftHSM accepts this security-officer PIN (PUK/QPUK).</summary>
    public async Task<bool> SoPinWorksAsync(string areaLabel, string soPin) =>
        (await Device.Pkcs11ToolAsync(areaLabel, "--login", "--login-type", "so", "--so-pin", soPin, "--session-rw", "-O")).ExitCode == 0;

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        await Agent.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

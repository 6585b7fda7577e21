using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Agent.Hosting;
using Qtsp.Agent.Tests.Support;

namespace Qtsp.Agent.Tests.Bridge;

/// <summary>
/// The agent's real host (AgentHost.Build, Kestrel on an ephemeral loopback port) started in this process over
/// the shared SoftHSM store, for tests that talk to it through HTTP, WebSockets and SignalR.
/// </summary>
public sealed class AgentServer : IAsyncLifetime
{
    public const string AllowedOrigin = "http://portal.test:5180";
    public const string RefusedOrigin = "http://evil.example";

    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public Uri HubWebSocketAddress => AgentHubClient.HubAddress(BaseAddress);

    public SharedSoftHsm SoftHsm { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SoftHsm = await SharedSoftHsm.GetAsync(); // sets SOFTHSM2_CONF natively before the agent loads the module
        _app = AgentHost.Build(
        [
            "--Agent:Url=http://127.0.0.1:0",
            $"--Agent:AllowedOrigins:0={AllowedOrigin}",
            $"--Agent:Modules:0={SharedSoftHsm.ModulePath}",
            $"--Agent:Environment:SOFTHSM2_CONF={SoftHsm.Workspace.ConfigPath}",
            "--Agent:PollIntervalMilliseconds=100", // the watcher's floor: device changes reach pages within a tenth of a second
            "--Logging:LogLevel:Default=Warning",
            AgentHost.HeadlessSwitch,
        ]);
        await _app.StartAsync();

        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>().ShouldNotBeNull().Addresses;
        var address = new Uri(addresses.ShouldHaveSingleItem());
        address.Host.ShouldBe("127.0.0.1");
        address.Port.ShouldBeGreaterThan(0);
        BaseAddress = address;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

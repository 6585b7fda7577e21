using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Agent.Hosting;
using Qtsp.Agent.Tests.Bridge;
using Qtsp.Agent.Tests.Support;
using Qtsp.Agent.Tray;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tests.Tray;

/// <summary>The tray's pause: open pages lose the link at once, new ones are refused until the holder resumes.</summary>
public sealed class PauseTests
{
    [Fact]
    public async Task Pausing_closes_open_links_and_refuses_new_ones_until_resumed()
    {
        var softHsm = await SharedSoftHsm.GetAsync();
        await using var app = AgentHost.Build(
        [
            "--Agent:Url=http://127.0.0.1:0",
            $"--Agent:AllowedOrigins:0={AgentServer.AllowedOrigin}",
            $"--Agent:Modules:0={SharedSoftHsm.ModulePath}",
            $"--Agent:Environment:SOFTHSM2_CONF={softHsm.Workspace.ConfigPath}",
            "--Logging:LogLevel:Default=Warning",
            AgentHost.HeadlessSwitch,
        ]);
        await app.StartAsync();
        var hubAddress = AgentHubClient.HubAddress(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()));
        var tray = app.Services.GetRequiredService<TrayPresenter>();

        await using var page = await AgentHubClient.ConnectAsync(hubAddress, AgentServer.AllowedOrigin);
        var closed = new TaskCompletionSource();
        page.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        tray.Execute(TrayCommand.PauseBridge);
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var refused = await Should.ThrowAsync<HttpRequestException>(() => AgentHubClient.ConnectAsync(hubAddress, AgentServer.AllowedOrigin));
        refused.StatusCode.ShouldBe(System.Net.HttpStatusCode.ServiceUnavailable);
        tray.State.Indicator.ShouldBe(TrayIndicator.Paused);

        tray.Execute(TrayCommand.ResumeBridge);
        await using var again = await AgentHubClient.ConnectAsync(hubAddress, AgentServer.AllowedOrigin);
        (await again.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Error.ShouldBeNull();
        await app.StopAsync();
    }
}

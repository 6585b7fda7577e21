using Microsoft.AspNetCore.SignalR;
using Qtsp.Agent.Tokens;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Bridge;

/// <summary>The hub the portal's pages talk to. Every answer is an <see cref="AgentResult{T}"/>; nothing here takes a PIN yet.</summary>
internal sealed class TokenHub(DeviceService devices) : Hub
{
    public AgentInfo GetAgentInfo() => new(
        typeof(TokenHub).Assembly.GetName().Version?.ToString() ?? "0",
        AgentHubContract.ProtocolVersion,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        devices.Modules);

    public async Task<AgentResult<IReadOnlyList<DeviceSnapshot>>> GetDevices() =>
        AgentResult.Success(await devices.ReadDevicesAsync(Context.ConnectionAborted).ConfigureAwait(false));

    public Task<AgentResult<TokenStatus>> GetTokenInfo(string deviceId, AreaKind area) =>
        devices.GetTokenStatusAsync(deviceId, area, Context.ConnectionAborted);
}

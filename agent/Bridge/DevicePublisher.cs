using Microsoft.AspNetCore.SignalR;
using Qtsp.Agent.Tokens;
using Qtsp.Agent.Tokens.Operations;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Bridge;

/// <summary>
/// Reads the devices and tells every connected page: each page the devices as it may see them — the private objects of
/// an area only to the connection whose login made them visible (<see cref="LoginSessions"/>), the rest to everyone.
/// </summary>
internal sealed partial class DevicePublisher(
    DeviceService devices,
    LoginSessions logins,
    IHubContext<TokenHub, ITokenClient> hub,
    Tray.TrayStatus tray,
    ILogger<DevicePublisher> logger)
{
    public async Task<DeviceReading> PublishAsync(CancellationToken cancellationToken)
    {
        var reading = await devices.ReadDevicesAsync(cancellationToken).ConfigureAwait(false);
        tray.DevicesRead(reading.Public);
        var owners = logins.Owners();
        var viewers = owners.Values.Distinct(StringComparer.Ordinal).ToArray();
        await hub.Clients.AllExcept(viewers).DevicesChanged(reading.Public).ConfigureAwait(false);
        foreach (var viewer in viewers)
        {
            await hub.Clients.Client(viewer).DevicesChanged(reading.For(viewer, owners)).ConfigureAwait(false);
        }

        return reading;
    }

    /// <summary>Publishes without keeping anyone waiting (after an operation has answered its caller).</summary>
    public void PublishInBackground() => _ = Task.Run(async () =>
    {
        try
        {
            await PublishAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogPublishFailed(logger, e.GetType().Name);
        }
    });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling the pages about the devices failed ({Error})")]
    private static partial void LogPublishFailed(ILogger logger, string error);

    /// <summary>The devices as one connection may see them now, from a fresh reading.</summary>
    public async Task<IReadOnlyList<DeviceSnapshot>> ReadForAsync(string connectionId, CancellationToken cancellationToken) =>
        (await devices.ReadDevicesAsync(cancellationToken).ConfigureAwait(false)).For(connectionId, logins.Owners());
}

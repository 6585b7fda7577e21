using Microsoft.Extensions.Options;
using Qtsp.Agent.Tokens;
using Qtsp.Agent.Tokens.Operations;

namespace Qtsp.Agent.Bridge;

/// <summary>Polls the slot list and tells every connected page when a device arrives, leaves or changes state.</summary>
internal sealed partial class DeviceWatcher(
    DeviceService devices,
    DevicePublisher publisher,
    LoginSessions logins,
    IOptions<AgentOptions> options,
    ILogger<DeviceWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string? last = null;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(100, options.Value.PollIntervalMilliseconds)));
        do
        {
            try
            {
                var expired = logins.ExpireIdle();
                var fingerprint = await devices.FingerprintAsync(stoppingToken).ConfigureAwait(false);
                if (last is null)
                {
                    // The first reading: no page is connected yet, but the tray shows the devices from the start.
                    await publisher.PublishAsync(stoppingToken).ConfigureAwait(false);
                }
                else if (fingerprint != last || expired)
                {
                    var reading = await publisher.PublishAsync(stoppingToken).ConfigureAwait(false);
                    LogDevicesChanged(logger, reading.Devices.Count);
                }

                last = fingerprint;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPollFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Devices changed; {Count} device(s) now attached")]
    private static partial void LogDevicesChanged(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Polling the devices failed")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}

using Qtsp.Agent.Tray.Linux;
using Qtsp.Agent.Tray.Windows;

namespace Qtsp.Agent.Tray;

/// <summary>Whether this process shows a tray icon (no when started with --headless).</summary>
internal sealed record TrayMode(bool Headless);

/// <summary>
/// Starts the tray front-end of this OS once the agent listens, and removes it when the agent stops. Without a tray
/// (no session bus, no tray host, an OS without one) the agent runs on headless after one log line.
/// </summary>
internal sealed partial class TrayHost(TrayMode mode, TrayPresenter presenter, IHostApplicationLifetime lifetime, ILogger<TrayHost> logger) : BackgroundService
{
    private StatusNotifierItem? _linux;
    private NotifyIconTray? _windows;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (mode.Headless)
        {
            return;
        }

        // The icon appears once the agent answers pages: not before Kestrel listens.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (OperatingSystem.IsWindows())
        {
            _windows = await NotifyIconTray.TryStartAsync(presenter, logger).ConfigureAwait(false);
        }
        else if (OperatingSystem.IsLinux() || OperatingSystem.IsFreeBSD())
        {
            _linux = await StatusNotifierItem.TryStartAsync(presenter, logger, Environment.GetEnvironmentVariable("DBUS_SESSION_BUS_ADDRESS")).ConfigureAwait(false);
        }
        else
        {
            LogNoTrayOnThisOs(logger);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_linux is not null)
        {
            await _linux.DisposeAsync().ConfigureAwait(false);
        }

        if (OperatingSystem.IsWindows())
        {
            _windows?.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No system tray on this operating system; running headless")]
    private static partial void LogNoTrayOnThisOs(ILogger logger);
}

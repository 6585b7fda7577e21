using System.Diagnostics;
using Qtsp.Agent.Bridge;
using Qtsp.Agent.Tokens;

namespace Qtsp.Agent.Tray;

/// <summary>
/// What every tray front-end shows and does: the state, tooltip and menu in the session's language, and the commands of
/// the menu. Front-ends only draw it (D-Bus StatusNotifierItem on Linux, the notification area on Windows).
/// </summary>
internal sealed partial class TrayPresenter(
    TrayStatus status,
    TrayTexts texts,
    DeviceService devices,
    OriginPolicy origins,
    IHostApplicationLifetime lifetime,
    Microsoft.Extensions.Options.IOptions<AgentOptions> options,
    ILogger<TrayPresenter> logger)
{
    public TrayStatus Status => status;

    public TrayTexts Texts => texts;

    public TrayState State => status.Current;

    public IReadOnlyList<TrayMenuItem> Menu(TrayState state) =>
        TrayMenu.Build(state, new TrayDiagnostics(devices.Modules, origins.Allowed, options.Value.LogFolder), texts);

    public (string Title, IReadOnlyList<string> Lines) Tooltip(TrayState state) => TrayMenu.Tooltip(state, texts);

    /// <summary>The portal's token page on the first allowed origin (the holder's own portal).</summary>
    public Uri PortalPage => new(origins.Allowed.First() + "/token");

    /// <summary>Runs the command of a menu item chosen by the holder; unknown and informative ids do nothing.</summary>
    public void Choose(int itemId)
    {
        var item = Menu(State).SelectMany(i => i.SelfAndDescendants()).FirstOrDefault(i => i.Id == itemId);
        if (item is { Enabled: true })
        {
            Execute(item.Command);
        }
    }

    public void Execute(TrayCommand command)
    {
        switch (command)
        {
            case TrayCommand.OpenPortal:
                OpenPortal();
                break;
            case TrayCommand.PauseBridge:
                status.SetPaused(true);
                LogPaused(logger, true);
                break;
            case TrayCommand.ResumeBridge:
                status.SetPaused(false);
                LogPaused(logger, false);
                break;
            case TrayCommand.Quit:
                LogQuit(logger);
                lifetime.StopApplication();
                break;
        }
    }

    private void OpenPortal()
    {
        try
        {
            // The desktop's handler for http(s): xdg-open on Linux, the default browser on Windows.
            using var _ = Process.Start(new ProcessStartInfo(PortalPage.AbsoluteUri) { UseShellExecute = true });
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            LogOpenFailed(logger, PortalPage.AbsoluteUri, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bridge paused by the holder from the tray: {Paused}")]
    private static partial void LogPaused(ILogger logger, bool paused);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quit chosen in the tray menu; stopping")]
    private static partial void LogQuit(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not open {Page} in a browser: {Error}")]
    private static partial void LogOpenFailed(ILogger logger, string page, string error);
}

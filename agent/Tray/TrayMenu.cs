namespace Qtsp.Agent.Tray;

/// <summary>What choosing a menu item does; <see cref="None"/> for items that only inform.</summary>
internal enum TrayCommand
{
    None,
    OpenPortal,
    PauseBridge,
    ResumeBridge,
    Quit,
}

/// <summary>One item of the tray menu; <paramref name="Children"/> make it a submenu, an empty label a separator.</summary>
internal sealed record TrayMenuItem(int Id, string Label, TrayCommand Command, bool Enabled, IReadOnlyList<TrayMenuItem> Children)
{
    public bool IsSeparator => Label.Length == 0;

    public IEnumerable<TrayMenuItem> SelfAndDescendants() => Children.SelectMany(c => c.SelfAndDescendants()).Prepend(this);
}

/// <summary>What the diagnostics submenu lists, besides the state.</summary>
internal sealed record TrayDiagnostics(IReadOnlyList<Qtsp.Shared.Bridge.ModuleStatus> Modules, IReadOnlyCollection<string> AllowedOrigins, string? LogFolder);

/// <summary>
/// The tray menu, the same on every platform: open the portal, the devices (model, serial, areas, PIN state), pause or
/// resume the bridge, diagnostics, quit. The top items keep their ids whatever the state (front-ends and tests rely on it);
/// informative items below them are numbered from <see cref="FirstInformativeId"/>.
/// </summary>
internal static class TrayMenu
{
    public const int OpenPortalId = 1;
    public const int DevicesId = 2;
    public const int PauseId = 3;
    public const int DiagnosticsId = 4;
    public const int QuitId = 5;
    public const int FirstSeparatorId = 6;
    public const int SecondSeparatorId = 7;
    public const int FirstInformativeId = 100;

    public static IReadOnlyList<TrayMenuItem> Build(TrayState state, TrayDiagnostics diagnostics, TrayTexts texts)
    {
        var next = FirstInformativeId;
        TrayMenuItem Info(string label, params TrayMenuItem[] children) => new(next++, label, TrayCommand.None, children.Length > 0, children);

        var devices = state.Devices.Count == 0
            ? [Info(texts[TrayText.NoDevices])]
            : state.Devices.Select(device => Info(
                TrayState.DeviceName(device),
                [.. device.Areas.Select(area => Info(texts.Format(TrayText.AreaLine, area.Label, texts.Pin(area.UserPin.State))))])).ToArray();

        var modules = diagnostics.Modules.Count == 0
            ? [Info("—")]
            : diagnostics.Modules.Select(m => Info(texts.Format(m.Loaded ? TrayText.ModuleLoaded : TrayText.ModuleFailed, m.Path))).ToArray();
        var diagnosticItems = new[]
        {
            Info(texts[TrayText.Modules], modules),
            Info(texts[TrayText.AllowedOrigins], [.. diagnostics.AllowedOrigins.Select(o => Info(o))]),
            Info(diagnostics.LogFolder is null ? texts[TrayText.LogToConsole] : texts.Format(TrayText.LogFolder, diagnostics.LogFolder)),
        };

        return
        [
            new(OpenPortalId, texts[TrayText.OpenPortal], TrayCommand.OpenPortal, !state.Paused, []),
            new(DevicesId, texts[TrayText.Devices], TrayCommand.None, true, devices),
            new(FirstSeparatorId, "", TrayCommand.None, true, []),
            state.Paused
                ? new(PauseId, texts[TrayText.ResumeBridge], TrayCommand.ResumeBridge, true, [])
                : new(PauseId, texts[TrayText.PauseBridge], TrayCommand.PauseBridge, true, []),
            new(DiagnosticsId, texts[TrayText.Diagnostics], TrayCommand.None, true, diagnosticItems),
            new(SecondSeparatorId, "", TrayCommand.None, true, []),
            new(QuitId, texts[TrayText.Quit], TrayCommand.Quit, true, []),
        ];
    }

    /// <summary>The headline and the lines under it, for a tooltip.</summary>
    public static (string Title, IReadOnlyList<string> Lines) Tooltip(TrayState state, TrayTexts texts)
    {
        var headline = texts[state.Indicator switch
        {
            TrayIndicator.DeviceReady => TrayText.StateDeviceReady,
            TrayIndicator.Busy => TrayText.StateBusy,
            TrayIndicator.Attention => TrayText.StateAttention,
            TrayIndicator.Paused => TrayText.StatePaused,
            _ => TrayText.StateIdle,
        }];
        var lines = new List<string> { texts.Format(TrayText.DevicesAttached, state.Devices.Count) };
        lines.AddRange(state.BusyOrigins.Select(origin => texts.Format(TrayText.BusyFor, origin)));
        lines.AddRange(state.Attention.Select(a => a.Kind switch
        {
            TrayAttentionKind.PinBlocked => texts.Format(TrayText.PinBlocked, a.Device, a.Area),
            TrayAttentionKind.CertificateEnding => texts.Format(TrayText.CertificateEnding, a.Device, a.Area, texts.Date(a.NotAfter!.Value)),
            _ => texts.Format(TrayText.CertificateExpired, a.Device, a.Area, texts.Date(a.NotAfter!.Value)),
        }));
        return ($"{texts[TrayText.Title]}: {headline}", lines);
    }
}

namespace Qtsp.Agent.Tray.Windows;

internal enum TrayWindowActionKind
{
    None,
    ShowMenu,
    OpenPortal,
    RunMenuItem,
    Refresh,
    AddIconAgain,
    Close,
}

internal readonly record struct TrayWindowAction(TrayWindowActionKind Kind, int MenuItemId = 0);

/// <summary>
/// What a message to the tray's message-only window means, kept apart from the Win32 calls so it is tested on any OS.
/// The icon uses NOTIFYICON_VERSION_4: the callback's low word of lParam is the event.
/// </summary>
internal static class TrayWindowMessages
{
    public const uint WmCommand = 0x0111;
    public const uint WmContextMenu = 0x007B;
    public const uint WmLButtonUp = 0x0202;
    public const uint WmLButtonDblClk = 0x0203;
    public const uint WmRButtonUp = 0x0205;
    public const uint WmApp = 0x8000;
    public const uint NinSelect = 0x0400;
    public const uint NinKeySelect = 0x0401;

    /// <summary>The icon's callback message (uCallbackMessage).</summary>
    public const uint IconCallback = WmApp + 1;

    /// <summary>Posted from other threads when the tray state changed.</summary>
    public const uint StateChanged = WmApp + 2;

    /// <summary>Posted when the agent stops: remove the icon and end the loop.</summary>
    public const uint CloseRequested = WmApp + 3;

    public static TrayWindowAction Interpret(uint message, nint wParam, nint lParam, uint taskbarCreated)
    {
        if (message == taskbarCreated && taskbarCreated != 0)
        {
            return new(TrayWindowActionKind.AddIconAgain); // Explorer restarted: its notification area is empty
        }

        return message switch
        {
            IconCallback => (uint)(lParam & 0xFFFF) switch
            {
                NinSelect or NinKeySelect or WmLButtonUp or WmLButtonDblClk => new(TrayWindowActionKind.OpenPortal),
                WmContextMenu or WmRButtonUp => new(TrayWindowActionKind.ShowMenu),
                _ => new(TrayWindowActionKind.None),
            },
            WmCommand when (wParam >> 16 & 0xFFFF) == 0 => new(TrayWindowActionKind.RunMenuItem, (int)(wParam & 0xFFFF)),
            StateChanged => new(TrayWindowActionKind.Refresh),
            CloseRequested => new(TrayWindowActionKind.Close),
            _ => new(TrayWindowActionKind.None),
        };
    }

    /// <summary>The stock icon (LoadIcon ids) for a state: application, shield, information, warning.</summary>
    public static int StockIcon(TrayIndicator indicator) => indicator switch
    {
        TrayIndicator.DeviceReady => 32518, // IDI_SHIELD
        TrayIndicator.Busy => 32516, // IDI_INFORMATION
        TrayIndicator.Attention => 32515, // IDI_WARNING
        _ => 32512, // IDI_APPLICATION (idle, paused)
    };

    /// <summary>NOTIFYICONDATA's szTip holds 128 UTF-16 units with its terminator: longer tooltips end with an ellipsis.</summary>
    public static string Tooltip(string title, IReadOnlyList<string> lines)
    {
        var text = string.Join('\n', lines.Prepend(title));
        return text.Length <= 127 ? text : string.Concat(text.AsSpan(0, 126), "…");
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using static Qtsp.Agent.Tray.Windows.NotifyIconNative;

namespace Qtsp.Agent.Tray.Windows;

/// <summary>
/// The tray icon on Windows: Shell_NotifyIcon on a message-only window whose message loop runs on its own thread.
/// What a message means is decided by <see cref="TrayWindowMessages"/>; this class only makes the Win32 calls.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed partial class NotifyIconTray : IDisposable
{
    private const string WindowClassName = "QtspTokenAgentTray";
    private static NotifyIconTray? _current; // one tray per process; the window procedure finds it here

    private readonly TrayPresenter _presenter;
    private readonly ILogger _logger;
    private readonly Thread _thread;
    private readonly TaskCompletionSource<bool> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private nint _window;
    private uint _taskbarCreated;

    private NotifyIconTray(TrayPresenter presenter, ILogger logger)
    {
        _presenter = presenter;
        _logger = logger;
        _thread = new Thread(Loop) { IsBackground = true, Name = "Tray message loop" };
    }

    public static async Task<NotifyIconTray?> TryStartAsync(TrayPresenter presenter, ILogger logger)
    {
        var tray = new NotifyIconTray(presenter, logger);
        _current = tray;
        tray._thread.Start();
        if (!await tray._ready.Task.ConfigureAwait(false))
        {
            _current = null;
            return null;
        }

        presenter.Status.Changed += tray.OnChanged;
        tray.OnChanged(); // what changed while the icon was being added
        return tray;
    }

    private void OnChanged() => PostMessage(_window, TrayWindowMessages.StateChanged, 0, 0);

    private unsafe void Loop()
    {
        fixed (char* className = WindowClassName)
        {
            var windowClass = new WindowClass
            {
                CbSize = (uint)sizeof(WindowClass),
                WndProc = &WindowProcedure,
                Instance = GetModuleHandle(0),
                ClassName = className,
            };
            RegisterClassEx(&windowClass);
            _window = CreateWindowEx(0, WindowClassName, WindowClassName, 0, 0, 0, 0, 0, HwndMessage, 0, windowClass.Instance, 0);
        }

        _taskbarCreated = RegisterWindowMessage("TaskbarCreated");
        if (_window == 0 || !AddIcon())
        {
            LogNoTray(_logger);
            _ready.TrySetResult(false);
            return;
        }

        LogAdded(_logger);
        _ready.TrySetResult(true);
        Msg message;
        while (GetMessage(&message, 0, 0, 0) > 0)
        {
            TranslateMessage(&message);
            DispatchMessage(&message);
        }
    }

    [UnmanagedCallersOnly]
    private static nint WindowProcedure(nint hwnd, uint message, nint wParam, nint lParam)
    {
        var tray = _current;
        if (tray is null)
        {
            return DefWindowProc(hwnd, message, wParam, lParam);
        }

        var action = TrayWindowMessages.Interpret(message, wParam, lParam, tray._taskbarCreated);
        try
        {
            switch (action.Kind)
            {
                case TrayWindowActionKind.OpenPortal:
                    tray._presenter.Execute(TrayCommand.OpenPortal);
                    return 0;
                case TrayWindowActionKind.ShowMenu:
                    tray.ShowMenu(hwnd);
                    return 0;
                case TrayWindowActionKind.RunMenuItem:
                    tray._presenter.Choose(action.MenuItemId);
                    return 0;
                case TrayWindowActionKind.Refresh:
                    tray.Update(NimModify);
                    return 0;
                case TrayWindowActionKind.AddIconAgain:
                    tray.AddIcon();
                    return 0;
                case TrayWindowActionKind.Close:
                    tray.Update(NimDelete);
                    DestroyWindow(hwnd);
                    PostQuitMessage(0);
                    return 0;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogMessageFailed(tray._logger, e);
            return 0; // an exception must not cross the native frame
        }

        return DefWindowProc(hwnd, message, wParam, lParam);
    }

    private unsafe bool AddIcon()
    {
        if (!Update(NimAdd))
        {
            return false;
        }

        var data = Data(0);
        data.TimeoutOrVersion = NotifyIconVersion4;
        return ShellNotifyIcon(NimSetVersion, &data);
    }

    private unsafe bool Update(uint operation)
    {
        var state = _presenter.State;
        var data = Data(NifMessage | NifIcon | NifTip | NifShowTip);
        data.CallbackMessage = TrayWindowMessages.IconCallback;
        data.Icon = LoadIcon(0, TrayWindowMessages.StockIcon(state.Indicator));
        var (title, lines) = _presenter.Tooltip(state);
        Copy(TrayWindowMessages.Tooltip(title, lines), data.Tip, 128);
        return ShellNotifyIcon(operation, &data);
    }

    private unsafe NotifyIconData Data(uint flags) => new() { CbSize = (uint)sizeof(NotifyIconData), Hwnd = _window, Id = 1, Flags = flags };

    private void ShowMenu(nint hwnd)
    {
        var menu = CreatePopupMenu();
        try
        {
            Append(menu, _presenter.Menu(_presenter.State));
            CursorPoint point;
            unsafe
            {
                GetCursorPos(&point);
            }

            SetForegroundWindow(hwnd); // else the menu does not close when the holder clicks elsewhere
            var chosen = TrackPopupMenuEx(menu, TpmRightButton | TpmReturnCmd | TpmNonotify, point.X, point.Y, hwnd, 0);
            if (chosen != 0)
            {
                _presenter.Choose(chosen);
            }
        }
        finally
        {
            DestroyMenu(menu); // destroys the submenus too
        }
    }

    private static void Append(nint menu, IReadOnlyList<TrayMenuItem> items)
    {
        foreach (var item in items)
        {
            if (item.IsSeparator)
            {
                AppendMenu(menu, MfSeparator, 0, null);
            }
            else if (item.Children.Count > 0)
            {
                var submenu = CreatePopupMenu();
                Append(submenu, item.Children);
                AppendMenu(menu, MfPopup, submenu, item.Label.Replace("&", "&&", StringComparison.Ordinal));
            }
            else
            {
                AppendMenu(menu, MfString | (item.Enabled && item.Command != TrayCommand.None ? 0 : MfGrayed), item.Id, item.Label.Replace("&", "&&", StringComparison.Ordinal));
            }
        }
    }

    public void Dispose()
    {
        _presenter.Status.Changed -= OnChanged;
        PostMessage(_window, TrayWindowMessages.CloseRequested, 0, 0);
        _thread.Join(TimeSpan.FromSeconds(2));
        _current = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No system tray: the notification area could not take the icon; running headless")]
    private static partial void LogNoTray(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tray icon added to the notification area")]
    private static partial void LogAdded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The tray icon's message failed")]
    private static partial void LogMessageFailed(ILogger logger, Exception exception);
}

using Tmds.DBus.Protocol;

namespace Qtsp.Agent.Tray.Linux;

/// <summary>
/// The tray icon on Linux desktops: a StatusNotifierItem (KDE/freedesktop spec, also shown by GNOME's AppIndicator
/// extension, XFCE, LXQt) exported on the session bus with its menu over com.canonical.dbusmenu (<see cref="DBusMenu"/>).
/// It registers with org.kde.StatusNotifierWatcher, and again whenever a watcher appears (the panel started after us).
/// </summary>
internal sealed partial class StatusNotifierItem : IAsyncDisposable
{
    public const string ItemPath = "/StatusNotifierItem";
    public const string ItemInterface = "org.kde.StatusNotifierItem";
    public const string WatcherName = "org.kde.StatusNotifierWatcher";
    public const string WatcherPath = "/StatusNotifierWatcher";

    private const string PropertiesInterface = "org.freedesktop.DBus.Properties";
    private const string IntrospectableInterface = "org.freedesktop.DBus.Introspectable";

    private static readonly string[] PropertyNames =
        ["Category", "Id", "Title", "Status", "WindowId", "IconName", "IconThemePath", "AttentionIconName", "OverlayIconName", "ToolTip", "ItemIsMenu", "Menu"];

    private readonly DBusConnection _connection;
    private readonly TrayPresenter _presenter;
    private readonly DBusMenu _menu;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private TrayState _shown;
    private IDisposable? _watcherSubscription;

    private StatusNotifierItem(DBusConnection connection, TrayPresenter presenter, ILogger logger)
    {
        _connection = connection;
        _presenter = presenter;
        _logger = logger;
        _shown = presenter.State;
        _menu = new DBusMenu(connection, presenter);
        BusName = $"org.kde.StatusNotifierItem-{Environment.ProcessId}-1";
    }

    public string BusName { get; }

    /// <summary>Where the icons installed with the agent are (the .deb's icons folder beside the executable).</summary>
    public static string IconThemePath => Path.Combine(AppContext.BaseDirectory, "icons");

    public static string IconName(TrayIndicator indicator) => indicator switch
    {
        TrayIndicator.DeviceReady => "qtsp-agent-device",
        TrayIndicator.Busy => "qtsp-agent-busy",
        TrayIndicator.Attention => "qtsp-agent-attention",
        TrayIndicator.Paused => "qtsp-agent-paused",
        _ => "qtsp-agent",
    };

    /// <summary>SNI's Status: Passive (may be hidden) with no device, NeedsAttention when a device needs the holder.</summary>
    public static string SniStatus(TrayIndicator indicator) => indicator switch
    {
        TrayIndicator.Idle => "Passive",
        TrayIndicator.Attention => "NeedsAttention",
        _ => "Active",
    };

    /// <summary>
    /// Connects to the session bus and registers the item; null (after one log line saying why) when there is no session bus
    /// or no tray host on it, and the agent carries on headless.
    /// </summary>
    public static async Task<StatusNotifierItem?> TryStartAsync(TrayPresenter presenter, ILogger logger, string? busAddress)
    {
        if (string.IsNullOrEmpty(busAddress))
        {
            LogNoTray(logger, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)");
            return null;
        }

        var connection = new DBusConnection(busAddress);
        StatusNotifierItem? item = null;
        try
        {
            await connection.ConnectAsync().ConfigureAwait(false);
            item = new StatusNotifierItem(connection, presenter, logger);
            connection.AddMethodHandlers([new Handler(ItemPath, item.HandleItem), new Handler(DBusMenu.MenuPath, item._menu.Handle)]);
            await connection.RequestNameAsync(item.BusName, RequestNameOptions.Default).ConfigureAwait(false);
            if (!await item.RegisterAsync().ConfigureAwait(false))
            {
                LogNoTray(logger, $"no tray host ({WatcherName}) on the session bus");
                await item.DisposeAsync().ConfigureAwait(false);
                return null;
            }

            presenter.Status.Changed += item.OnChanged;
            item.Publish(everything: true);
            item._watcherSubscription = await item.WatchWatcherAsync().ConfigureAwait(false);
            LogRegistered(logger, item.BusName);
            return item;
        }
        catch (Exception e) when (e is DBusExceptionBase or IOException or System.Net.Sockets.SocketException)
        {
            LogNoTray(logger, $"the session bus could not be used ({e.Message})");
            if (item is not null)
            {
                await item.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                connection.Dispose();
            }

            return null;
        }
    }

    private async Task<bool> RegisterAsync()
    {
        MessageBuffer call;
        var writer = _connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(WatcherName, WatcherPath, WatcherName, "RegisterStatusNotifierItem", "s", MessageFlags.None);
            writer.WriteString(BusName);
            call = writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }

        try
        {
            await _connection.CallMethodAsync(call).ConfigureAwait(false);
            return true;
        }
        catch (DBusErrorReplyException e) when (e.ErrorName is "org.freedesktop.DBus.Error.ServiceUnknown" or "org.freedesktop.DBus.Error.NameHasNoOwner")
        {
            return false;
        }
    }

    /// <summary>A panel restarted (or started after the agent): register with its new watcher.</summary>
    private async Task<IDisposable> WatchWatcherAsync() =>
        await _connection.WatchSignalAsync(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameOwnerChanged",
            static (Message message, object? _) =>
            {
                var reader = message.GetBodyReader();
                return (Name: reader.ReadString(), Old: reader.ReadString(), New: reader.ReadString());
            },
            (Notification<(string Name, string Old, string New)> change) =>
            {
                if (change.HasValue && change.Value.Name == WatcherName && change.Value.New.Length > 0)
                {
                    _ = RegisterAgainAsync();
                }
            },
            ObserverFlags.None).ConfigureAwait(false);

    private async Task RegisterAgainAsync()
    {
        try
        {
            if (await RegisterAsync().ConfigureAwait(false))
            {
                LogRegistered(_logger, BusName);
            }
        }
        catch (DBusExceptionBase e)
        {
            LogRegisterFailed(_logger, e.Message);
        }
    }

    private void OnChanged() => Publish(everything: false);

    /// <summary>
    /// Tells hosts what changed since the state last shown. <paramref name="everything"/>: all of it, whether changed or not
    /// — after subscribing, since a host reads the item's properties when it learns of it, which can be before the
    /// subscription, and a change in between (the first device reading, typically) would reach it only with the next change.
    /// </summary>
    private void Publish(bool everything)
    {
        var now = _presenter.State;
        TrayState before;
        lock (_lock)
        {
            before = _shown;
            _shown = now;
        }

        if (everything || SniStatus(before.Indicator) != SniStatus(now.Indicator))
        {
            Signal("NewStatus", "s", SniStatus(now.Indicator));
        }

        if (everything || IconName(before.Indicator) != IconName(now.Indicator))
        {
            Signal("NewIcon", "", null);
        }

        Signal("NewToolTip", "", null);
        _menu.LayoutChanged();
    }

    private void Signal(string member, string signature, string? argument)
    {
        var writer = _connection.GetMessageWriter();
        try
        {
            writer.WriteSignalHeader(null, ItemPath, ItemInterface, member, signature.Length == 0 ? null : signature);
            if (argument is not null)
            {
                writer.WriteString(argument);
            }

            _connection.TrySendMessage(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    private void HandleItem(MethodContext context)
    {
        var request = context.Request;
        switch (request.InterfaceAsString, request.MemberAsString)
        {
            case (PropertiesInterface, "Get"):
            {
                var reader = request.GetBodyReader();
                _ = reader.ReadString();
                var name = reader.ReadString();
                if (!PropertyNames.Contains(name, StringComparer.Ordinal))
                {
                    context.ReplyError("org.freedesktop.DBus.Error.UnknownProperty", $"No property {name}");
                    return;
                }

                var writer = context.CreateReplyWriter("v");
                try
                {
                    WriteProperty(ref writer, name, _presenter.State);
                    context.Reply(writer.CreateMessage());
                }
                finally
                {
                    writer.Dispose();
                }

                return;
            }

            case (PropertiesInterface, "GetAll"):
            {
                var state = _presenter.State;
                var writer = context.CreateReplyWriter("a{sv}");
                try
                {
                    var dictionary = writer.WriteDictionaryStart();
                    foreach (var name in PropertyNames)
                    {
                        writer.WriteDictionaryEntryStart();
                        writer.WriteString(name);
                        WriteProperty(ref writer, name, state);
                    }

                    writer.WriteDictionaryEnd(dictionary);
                    context.Reply(writer.CreateMessage());
                }
                finally
                {
                    writer.Dispose();
                }

                return;
            }

            case (PropertiesInterface, "Set"):
                context.ReplyError("org.freedesktop.DBus.Error.PropertyReadOnly", "The item's properties are read-only.");
                return;

            case (IntrospectableInterface, "Introspect"):
                ReplyString(context, Introspection);
                return;

            case (ItemInterface, "Activate"):
                ReplyEmpty(context);
                _presenter.Execute(TrayCommand.OpenPortal);
                return;

            case (ItemInterface, "SecondaryActivate" or "ContextMenu" or "Scroll"):
                ReplyEmpty(context); // the host shows the dbusmenu itself
                return;

            default:
                context.ReplyUnknownMethodError();
                return;
        }
    }

    private void WriteProperty(ref MessageWriter writer, string name, TrayState state)
    {
        switch (name)
        {
            case "Category":
                writer.WriteVariantString("Hardware");
                break;
            case "Id":
                writer.WriteVariantString("qtsp-token-agent");
                break;
            case "Title":
                writer.WriteVariantString(_presenter.Texts[TrayText.Title]);
                break;
            case "Status":
                writer.WriteVariantString(SniStatus(state.Indicator));
                break;
            case "WindowId":
                writer.WriteVariantInt32(0);
                break;
            case "IconName":
                writer.WriteVariantString(IconName(state.Indicator));
                break;
            case "IconThemePath":
                writer.WriteVariantString(IconThemePath);
                break;
            case "AttentionIconName":
                writer.WriteVariantString(IconName(TrayIndicator.Attention));
                break;
            case "OverlayIconName":
                writer.WriteVariantString("");
                break;
            case "ToolTip":
            {
                // (icon name, icon pixmaps a(iiay), title, description)
                var (title, lines) = _presenter.Tooltip(state);
                writer.WriteSignature("(sa(iiay)ss)");
                writer.WriteStructureStart();
                writer.WriteString(IconName(state.Indicator));
                writer.WriteArrayEnd(writer.WriteArrayStart(DBusType.Struct));
                writer.WriteString(title);
                writer.WriteString(string.Join('\n', lines));
                break;
            }

            case "ItemIsMenu":
                writer.WriteVariantBool(false);
                break;
            case "Menu":
                writer.WriteVariantObjectPath(DBusMenu.MenuPath);
                break;
        }
    }

    internal static void ReplyEmpty(MethodContext context)
    {
        if (context.NoReplyExpected)
        {
            return;
        }

        var writer = context.CreateReplyWriter(null);
        try
        {
            context.Reply(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    internal static void ReplyString(MethodContext context, string value)
    {
        var writer = context.CreateReplyWriter("s");
        try
        {
            writer.WriteString(value);
            context.Reply(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    private const string Introspection = """
        <node>
          <interface name="org.kde.StatusNotifierItem">
            <property name="Category" type="s" access="read"/>
            <property name="Id" type="s" access="read"/>
            <property name="Title" type="s" access="read"/>
            <property name="Status" type="s" access="read"/>
            <property name="WindowId" type="i" access="read"/>
            <property name="IconName" type="s" access="read"/>
            <property name="IconThemePath" type="s" access="read"/>
            <property name="AttentionIconName" type="s" access="read"/>
            <property name="OverlayIconName" type="s" access="read"/>
            <property name="ToolTip" type="(sa(iiay)ss)" access="read"/>
            <property name="ItemIsMenu" type="b" access="read"/>
            <property name="Menu" type="o" access="read"/>
            <method name="ContextMenu"><arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/></method>
            <method name="Activate"><arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/></method>
            <method name="SecondaryActivate"><arg name="x" type="i" direction="in"/><arg name="y" type="i" direction="in"/></method>
            <method name="Scroll"><arg name="delta" type="i" direction="in"/><arg name="orientation" type="s" direction="in"/></method>
            <signal name="NewTitle"/>
            <signal name="NewIcon"/>
            <signal name="NewAttentionIcon"/>
            <signal name="NewOverlayIcon"/>
            <signal name="NewToolTip"/>
            <signal name="NewStatus"><arg name="status" type="s"/></signal>
          </interface>
        </node>
        """;

    public async ValueTask DisposeAsync()
    {
        _presenter.Status.Changed -= OnChanged;
        _watcherSubscription?.Dispose();
        try
        {
            await _connection.ReleaseNameAsync(BusName).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DBusExceptionBase or ObjectDisposedException)
        {
            // the bus is gone already
        }

        _connection.Dispose();
    }

    /// <summary>Routes the calls to one object path to its handler.</summary>
    internal sealed class Handler(string path, Action<MethodContext> handle) : IPathMethodHandler
    {
        public string Path => path;

        public bool HandlesChildPaths => false;

        public ValueTask HandleMethodAsync(MethodContext context)
        {
            handle(context);
            return ValueTask.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No system tray: {Reason}; running headless")]
    private static partial void LogNoTray(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tray icon registered on the session bus as {Name}")]
    private static partial void LogRegistered(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering the tray icon with a new tray host failed: {Error}")]
    private static partial void LogRegisterFailed(ILogger logger, string error);
}

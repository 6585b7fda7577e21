using System.Diagnostics;
using System.Threading.Channels;
using Tmds.DBus.Protocol;

namespace Qtsp.Agent.Tests.Tray;

/// <summary>A private D-Bus session bus (dbus-daemon --session) for one test, stopped when disposed.</summary>
internal sealed class SessionBus : IAsyncDisposable
{
    private readonly Process _daemon;

    private SessionBus(Process daemon, string address)
    {
        _daemon = daemon;
        Address = address;
    }

    public string Address { get; }

    public static async Task<SessionBus> StartAsync()
    {
        // Its stderr (a warning about the fd limit when not run by a session manager) is not the test's business.
        var start = new ProcessStartInfo("dbus-daemon") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--session", "--nofork", "--nopidfile", "--print-address=1" })
        {
            start.ArgumentList.Add(argument);
        }

        var daemon = Process.Start(start) ?? throw new InvalidOperationException("dbus-daemon did not start");
        daemon.ErrorDataReceived += (_, _) => { };
        daemon.BeginErrorReadLine();
        var address = await daemon.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        if (string.IsNullOrWhiteSpace(address))
        {
            daemon.Kill();
            throw new InvalidOperationException("dbus-daemon printed no address");
        }

        return new SessionBus(daemon, address.Trim());
    }

    public async Task<DBusConnection> ConnectAsync()
    {
        var connection = new DBusConnection(Address);
        await connection.ConnectAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_daemon.HasExited)
        {
            _daemon.Kill();
        }

        await _daemon.WaitForExitAsync();
        _daemon.Dispose();
    }
}

/// <summary>
/// The panel's side of the StatusNotifierItem protocol, as small as a test needs: owns org.kde.StatusNotifierWatcher,
/// takes registrations and hands them to the test.
/// </summary>
internal sealed class TestStatusNotifierWatcher : IPathMethodHandler, IDisposable
{
    private readonly DBusConnection _connection;
    private readonly Channel<string> _registrations = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource _replies = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestStatusNotifierWatcher(DBusConnection connection, bool holdReplies)
    {
        _connection = connection;
        if (!holdReplies)
        {
            _replies.SetResult();
        }
    }

    public string Path => "/StatusNotifierWatcher";

    public bool HandlesChildPaths => false;

    /// <param name="holdReplies">
    /// Answer registrations only after <see cref="ReleaseReplies"/>: a slow panel, so that a test can act between the item
    /// making itself known and the item learning that it is registered.
    /// </param>
    public static async Task<TestStatusNotifierWatcher> StartAsync(SessionBus bus, bool holdReplies = false)
    {
        var watcher = new TestStatusNotifierWatcher(await bus.ConnectAsync(), holdReplies);
        watcher._connection.AddMethodHandler(watcher);
        await watcher._connection.RequestNameAsync("org.kde.StatusNotifierWatcher", RequestNameOptions.Default);
        return watcher;
    }

    /// <summary>The bus name of the next item that registers.</summary>
    public async Task<string> NextRegistrationAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        return await _registrations.Reader.ReadAsync(cancellation.Token);
    }

    public void ReleaseReplies() => _replies.TrySetResult();

    public async ValueTask HandleMethodAsync(MethodContext context)
    {
        if (context.Request.InterfaceAsString == "org.kde.StatusNotifierWatcher" && context.Request.MemberAsString == "RegisterStatusNotifierItem")
        {
            var service = context.Request.GetBodyReader().ReadString();
            _registrations.Writer.TryWrite(service);
            await _replies.Task;
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
        else
        {
            context.ReplyUnknownMethodError();
        }
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>Reads a StatusNotifierItem and drives its dbusmenu the way a tray host does.</summary>
internal sealed class TrayItemClient(DBusConnection connection, string service)
{
    public async Task<VariantValue> PropertyAsync(string name)
    {
        var value = await connection.CallMethodAsync(
            Call("/StatusNotifierItem", "org.freedesktop.DBus.Properties", "Get", "ss", (ref MessageWriter w) =>
            {
                w.WriteString("org.kde.StatusNotifierItem");
                w.WriteString(name);
            }),
            static (Message message, object? _) => message.GetBodyReader().ReadVariantValue());
        return value.Type == VariantValueType.Variant ? value.GetVariantValue() : value;
    }

    public async Task<string> StatusAsync() => (await PropertyAsync("Status")).GetString();

    public async Task<string> IconAsync() => (await PropertyAsync("IconName")).GetString();

    /// <summary>The tooltip's title and description.</summary>
    public async Task<(string Title, string Text)> ToolTipAsync()
    {
        var tooltip = await PropertyAsync("ToolTip");
        return (tooltip.GetItem(2).GetString(), tooltip.GetItem(3).GetString());
    }

    /// <summary>The top menu items (id, label) of the item's dbusmenu.</summary>
    public async Task<IReadOnlyList<(int Id, string Label)>> TopMenuAsync()
    {
        var menuPath = (await PropertyAsync("Menu")).GetObjectPathAsString();
        return await connection.CallMethodAsync(
            Call(menuPath, "com.canonical.dbusmenu", "GetLayout", "iias", (ref MessageWriter w) =>
            {
                w.WriteInt32(0);
                w.WriteInt32(1);
                w.WriteArray(Array.Empty<string>());
            }),
            static (Message message, object? _) =>
            {
                var reader = message.GetBodyReader();
                _ = reader.ReadUInt32();
                reader.AlignStruct();
                _ = reader.ReadInt32();
                _ = reader.ReadDictionaryOfStringToVariantValue();
                var items = new List<(int, string)>();
                foreach (var child in reader.ReadArrayOfVariantValue())
                {
                    var item = child.Type == VariantValueType.Variant ? child.GetVariantValue() : child;
                    var properties = item.GetItem(1);
                    var label = "";
                    for (var i = 0; i < properties.Count; i++)
                    {
                        var entry = properties.GetDictionaryEntry(i);
                        if (entry.Key.GetString() == "label")
                        {
                            var value = entry.Value.Type == VariantValueType.Variant ? entry.Value.GetVariantValue() : entry.Value;
                            label = value.GetString();
                        }
                    }

                    items.Add((item.GetItem(0).GetInt32(), label));
                }

                return (IReadOnlyList<(int, string)>)items;
            });
    }

    /// <summary>
    /// The item's NewStatus signals, as a host hears them. Watched by the item's unique connection name: a rule on the
    /// well-known name leaves the library to learn its owner after the rule is in place, and a signal sent meanwhile is lost.
    /// </summary>
    public async Task<IDisposable> WatchNewStatusAsync(System.Threading.Channels.ChannelWriter<string> statuses) =>
        await connection.WatchSignalAsync(
            await OwnerAsync(),
            "/StatusNotifierItem",
            "org.kde.StatusNotifierItem",
            "NewStatus",
            static (Message message, object? _) => message.GetBodyReader().ReadString(),
            (Notification<string> status) =>
            {
                if (status.HasValue)
                {
                    statuses.TryWrite(status.Value);
                }
            },
            ObserverFlags.None);

    /// <summary>What a host sends when the holder clicks a menu item.</summary>
    public async Task ClickAsync(int id)
    {
        var menuPath = (await PropertyAsync("Menu")).GetObjectPathAsString();
        await connection.CallMethodAsync(Call(menuPath, "com.canonical.dbusmenu", "Event", "isvu", (ref MessageWriter w) =>
        {
            w.WriteInt32(id);
            w.WriteString("clicked");
            w.WriteVariantInt32(0);
            w.WriteUInt32(0);
        }));
    }

    private async Task<string> OwnerAsync() =>
        await connection.CallMethodAsync(
            Call("/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", "s", (ref MessageWriter w) => w.WriteString(service), "org.freedesktop.DBus"),
            static (Message message, object? _) => message.GetBodyReader().ReadString());

    private delegate void Arguments(ref MessageWriter writer);

    private MessageBuffer Call(string path, string @interface, string member, string signature, Arguments arguments, string? destination = null)
    {
        var writer = connection.GetMessageWriter();
        try
        {
            writer.WriteMethodCallHeader(destination ?? service, path, @interface, member, signature, MessageFlags.None);
            arguments(ref writer);
            return writer.CreateMessage();
        }
        finally
        {
            writer.Dispose();
        }
    }
}

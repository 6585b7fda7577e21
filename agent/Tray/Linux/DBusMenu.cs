using Tmds.DBus.Protocol;

namespace Qtsp.Agent.Tray.Linux;

/// <summary>
/// The tray menu over com.canonical.dbusmenu, the menu protocol of StatusNotifierItem hosts. The layout is built from
/// <see cref="TrayMenu"/> at every request; its revision goes up whenever the tray state changes.
/// </summary>
internal sealed class DBusMenu(DBusConnection connection, TrayPresenter presenter)
{
    public const string MenuPath = "/MenuBar";
    public const string MenuInterface = "com.canonical.dbusmenu";
    private const string LayoutSignature = "(ia{sv}av)";

    private uint _revision = 1;

    public void LayoutChanged()
    {
        var revision = Interlocked.Increment(ref _revision);
        var writer = connection.GetMessageWriter();
        try
        {
            writer.WriteSignalHeader(null, MenuPath, MenuInterface, "LayoutUpdated", "ui");
            writer.WriteUInt32(revision);
            writer.WriteInt32(0);
            connection.TrySendMessage(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    public void Handle(MethodContext context)
    {
        var request = context.Request;
        switch (request.InterfaceAsString, request.MemberAsString)
        {
            case (MenuInterface, "GetLayout"):
                GetLayout(context);
                return;
            case (MenuInterface, "GetGroupProperties"):
                GetGroupProperties(context);
                return;
            case (MenuInterface, "GetProperty"):
                GetProperty(context);
                return;
            case (MenuInterface, "Event"):
            {
                var reader = request.GetBodyReader();
                var id = reader.ReadInt32();
                var eventId = reader.ReadString();
                StatusNotifierItem.ReplyEmpty(context);
                Clicked(id, eventId);
                return;
            }

            case (MenuInterface, "EventGroup"):
                EventGroup(context);
                return;
            case (MenuInterface, "AboutToShow"):
            {
                var writer = context.CreateReplyWriter("b");
                try
                {
                    writer.WriteBool(false);
                    context.Reply(writer.CreateMessage());
                }
                finally
                {
                    writer.Dispose();
                }

                return;
            }

            case (MenuInterface, "AboutToShowGroup"):
            {
                var writer = context.CreateReplyWriter("aiai");
                try
                {
                    writer.WriteArray(Array.Empty<int>());
                    writer.WriteArray(Array.Empty<int>());
                    context.Reply(writer.CreateMessage());
                }
                finally
                {
                    writer.Dispose();
                }

                return;
            }

            case ("org.freedesktop.DBus.Properties", "Get" or "GetAll"):
                MenuProperties(context, request.MemberAsString == "GetAll");
                return;
            case ("org.freedesktop.DBus.Introspectable", "Introspect"):
                StatusNotifierItem.ReplyString(context, Introspection);
                return;
            default:
                context.ReplyUnknownMethodError();
                return;
        }
    }

    private void Clicked(int id, string eventId)
    {
        if (eventId == "clicked")
        {
            presenter.Choose(id);
        }
    }

    /// <summary>The root (id 0) holds the top items; a parent id picks a submenu.</summary>
    private TrayMenuItem Root()
    {
        var items = presenter.Menu(presenter.State);
        return new TrayMenuItem(0, "", TrayCommand.None, true, items);
    }

    private TrayMenuItem? Find(int id) => Root().SelfAndDescendants().FirstOrDefault(i => i.Id == id);

    private void GetLayout(MethodContext context)
    {
        var reader = context.Request.GetBodyReader();
        var parentId = reader.ReadInt32();
        var depth = reader.ReadInt32();
        var parent = Find(parentId);
        if (parent is null)
        {
            context.ReplyError("org.freedesktop.DBus.Error.InvalidArgs", $"No menu item {parentId}");
            return;
        }

        var writer = context.CreateReplyWriter("u" + LayoutSignature);
        try
        {
            writer.WriteUInt32(Volatile.Read(ref _revision));
            WriteLayout(ref writer, parent, depth);
            context.Reply(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    private static void WriteLayout(ref MessageWriter writer, TrayMenuItem item, int depth)
    {
        writer.WriteStructureStart();
        writer.WriteInt32(item.Id);
        writer.WriteDictionary(Properties(item));
        var children = writer.WriteArrayStart(DBusType.Variant);
        if (depth != 0)
        {
            foreach (var child in item.Children)
            {
                writer.WriteSignature(LayoutSignature);
                WriteLayout(ref writer, child, depth < 0 ? -1 : depth - 1);
            }
        }

        writer.WriteArrayEnd(children);
    }

    private static Dictionary<string, VariantValue> Properties(TrayMenuItem item)
    {
        if (item.Id == 0)
        {
            return new(StringComparer.Ordinal) { ["children-display"] = "submenu" };
        }

        if (item.IsSeparator)
        {
            return new(StringComparer.Ordinal) { ["type"] = "separator" };
        }

        var properties = new Dictionary<string, VariantValue>(StringComparer.Ordinal)
        {
            // An underscore is dbusmenu's access-key marker; the labels hold literal ones (module paths).
            ["label"] = item.Label.Replace("_", "__", StringComparison.Ordinal),
            ["enabled"] = item.Enabled || item.Children.Count > 0,
            ["visible"] = true,
        };
        if (item.Children.Count > 0)
        {
            properties["children-display"] = "submenu";
        }

        return properties;
    }

    private void GetGroupProperties(MethodContext context)
    {
        var reader = context.Request.GetBodyReader();
        var ids = reader.ReadArrayOfInt32();
        var all = Root().SelfAndDescendants().ToDictionary(i => i.Id);
        var writer = context.CreateReplyWriter("a(ia{sv})");
        try
        {
            var array = writer.WriteArrayStart(DBusType.Struct);
            foreach (var id in ids.Length == 0 ? [.. all.Keys] : ids)
            {
                if (all.TryGetValue(id, out var item))
                {
                    writer.WriteStructureStart();
                    writer.WriteInt32(id);
                    writer.WriteDictionary(Properties(item));
                }
            }

            writer.WriteArrayEnd(array);
            context.Reply(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    private void GetProperty(MethodContext context)
    {
        var reader = context.Request.GetBodyReader();
        var id = reader.ReadInt32();
        var name = reader.ReadString();
        if (Find(id) is not { } item || !Properties(item).TryGetValue(name, out var value))
        {
            context.ReplyError("org.freedesktop.DBus.Error.InvalidArgs", $"No property {name} on item {id}");
            return;
        }

        var writer = context.CreateReplyWriter("v");
        try
        {
            writer.WriteVariant(value);
            context.Reply(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }
    }

    private void EventGroup(MethodContext context)
    {
        var reader = context.Request.GetBodyReader();
        var events = new List<(int Id, string EventId)>();
        var end = reader.ReadArrayStart(DBusType.Struct);
        while (reader.HasNext(end))
        {
            reader.AlignStruct();
            var id = reader.ReadInt32();
            var eventId = reader.ReadString();
            _ = reader.ReadVariantValue();
            _ = reader.ReadUInt32();
            events.Add((id, eventId));
        }

        var known = Root().SelfAndDescendants().Select(i => i.Id).ToHashSet();
        var writer = context.CreateReplyWriter("ai");
        try
        {
            writer.WriteArray(events.Where(e => !known.Contains(e.Id)).Select(e => e.Id).ToArray());
            context.Reply(writer.CreateMessage());
        }
        finally
        {
            writer.Dispose();
        }

        foreach (var (id, eventId) in events.Where(e => known.Contains(e.Id)))
        {
            Clicked(id, eventId);
        }
    }

    private static void MenuProperties(MethodContext context, bool all)
    {
        var properties = new Dictionary<string, VariantValue>(StringComparer.Ordinal)
        {
            ["Version"] = (uint)3,
            ["TextDirection"] = "ltr",
            ["Status"] = "normal",
            ["IconThemePath"] = VariantValue.Array(Array.Empty<string>()),
        };
        if (all)
        {
            var writer = context.CreateReplyWriter("a{sv}");
            try
            {
                writer.WriteDictionary(properties);
                context.Reply(writer.CreateMessage());
            }
            finally
            {
                writer.Dispose();
            }

            return;
        }

        var reader = context.Request.GetBodyReader();
        _ = reader.ReadString();
        var name = reader.ReadString();
        if (!properties.TryGetValue(name, out var value))
        {
            context.ReplyError("org.freedesktop.DBus.Error.UnknownProperty", $"No property {name}");
            return;
        }

        var single = context.CreateReplyWriter("v");
        try
        {
            single.WriteVariant(value);
            context.Reply(single.CreateMessage());
        }
        finally
        {
            single.Dispose();
        }
    }

    private const string Introspection = """
        <node>
          <interface name="com.canonical.dbusmenu">
            <property name="Version" type="u" access="read"/>
            <property name="TextDirection" type="s" access="read"/>
            <property name="Status" type="s" access="read"/>
            <property name="IconThemePath" type="as" access="read"/>
            <method name="GetLayout">
              <arg type="i" name="parentId" direction="in"/><arg type="i" name="recursionDepth" direction="in"/>
              <arg type="as" name="propertyNames" direction="in"/>
              <arg type="u" name="revision" direction="out"/><arg type="(ia{sv}av)" name="layout" direction="out"/>
            </method>
            <method name="GetGroupProperties">
              <arg type="ai" name="ids" direction="in"/><arg type="as" name="propertyNames" direction="in"/>
              <arg type="a(ia{sv})" name="properties" direction="out"/>
            </method>
            <method name="GetProperty">
              <arg type="i" name="id" direction="in"/><arg type="s" name="name" direction="in"/><arg type="v" name="value" direction="out"/>
            </method>
            <method name="Event">
              <arg type="i" name="id" direction="in"/><arg type="s" name="eventId" direction="in"/>
              <arg type="v" name="data" direction="in"/><arg type="u" name="timestamp" direction="in"/>
            </method>
            <method name="EventGroup">
              <arg type="a(isvu)" name="events" direction="in"/><arg type="ai" name="idErrors" direction="out"/>
            </method>
            <method name="AboutToShow"><arg type="i" name="id" direction="in"/><arg type="b" name="needUpdate" direction="out"/></method>
            <method name="AboutToShowGroup">
              <arg type="ai" name="ids" direction="in"/><arg type="ai" name="updatesNeeded" direction="out"/><arg type="ai" name="idErrors" direction="out"/>
            </method>
            <signal name="ItemsPropertiesUpdated"><arg type="a(ia{sv})" name="updatedProps"/><arg type="a(ia{sv})" name="removedProps"/></signal>
            <signal name="LayoutUpdated"><arg type="u" name="revision"/><arg type="i" name="parent"/></signal>
            <signal name="ItemActivationRequested"><arg type="i" name="id"/><arg type="u" name="timestamp"/></signal>
          </interface>
        </node>
        """;
}

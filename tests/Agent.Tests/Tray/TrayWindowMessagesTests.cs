using Qtsp.Agent.Tray;
using Qtsp.Agent.Tray.Windows;
using static Qtsp.Agent.Tray.Windows.TrayWindowMessages;

namespace Qtsp.Agent.Tests.Tray;

/// <summary>The Windows tray's message handling and icon choice, which hold no Win32 calls and so run here.</summary>
public sealed class TrayWindowMessagesTests
{
    private const uint TaskbarCreated = 0xC123;

    [Theory]
    [InlineData(NinSelect, "OpenPortal")]
    [InlineData(NinKeySelect, "OpenPortal")]
    [InlineData(WmContextMenu, "ShowMenu")]
    [InlineData(WmRButtonUp, "ShowMenu")]
    [InlineData(0x0200u, "None")] // WM_MOUSEMOVE over the icon
    public void Icon_events_come_in_the_low_word_of_lparam(uint iconEvent, string expected)
    {
        // NOTIFYICON_VERSION_4: the high word holds the icon id, which must not disturb the event.
        var lParam = (nint)((1 << 16) | iconEvent);
        Interpret(IconCallback, 0, lParam, TaskbarCreated).Kind.ToString().ShouldBe(expected);
    }

    [Fact]
    public void A_menu_command_carries_its_item_id_and_accelerator_commands_are_ignored()
    {
        Interpret(WmCommand, TrayMenu.QuitId, 0, TaskbarCreated).ShouldBe(new TrayWindowAction(TrayWindowActionKind.RunMenuItem, TrayMenu.QuitId));
        Interpret(WmCommand, (1 << 16) | 5, 0, TaskbarCreated).Kind.ShouldBe(TrayWindowActionKind.None);
    }

    [Fact]
    public void Own_messages_and_an_explorer_restart_are_recognised_and_others_left_to_windows()
    {
        Interpret(StateChanged, 0, 0, TaskbarCreated).Kind.ShouldBe(TrayWindowActionKind.Refresh);
        Interpret(CloseRequested, 0, 0, TaskbarCreated).Kind.ShouldBe(TrayWindowActionKind.Close);
        Interpret(TaskbarCreated, 0, 0, TaskbarCreated).Kind.ShouldBe(TrayWindowActionKind.AddIconAgain);
        Interpret(0x0010, 0, 0, TaskbarCreated).Kind.ShouldBe(TrayWindowActionKind.None); // WM_CLOSE
        Interpret(0, 0, 0, 0).Kind.ShouldBe(TrayWindowActionKind.None, "no registered TaskbarCreated message: 0 is not it");
    }

    [Fact]
    public void Each_state_has_its_own_stock_icon_except_idle_and_paused()
    {
        new[] { TrayIndicator.Idle, TrayIndicator.DeviceReady, TrayIndicator.Busy, TrayIndicator.Attention }
            .Select(StockIcon).ShouldBeUnique();
        StockIcon(TrayIndicator.Attention).ShouldBe(32515);
    }

    [Fact]
    public void Tooltips_fit_the_128_unit_buffer()
    {
        Tooltip("Token agent: running", ["Devices attached: 1"]).ShouldBe("Token agent: running\nDevices attached: 1");
        var long_ = Tooltip("Token agent", [new string('x', 300)]);
        long_.Length.ShouldBe(127);
        long_.ShouldEndWith("…");
    }
}

using Qtsp.Agent.Tray;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tests.Tray;

/// <summary>The platform-neutral tray: state from devices, operations and pause; menu; tooltip; texts by OS language.</summary>
public sealed class TrayModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TrayTexts English = new(TrayLanguage.English);
    private static readonly TrayTexts Czech = new(TrayLanguage.Czech);

    [Fact]
    public void The_most_urgent_indicator_wins()
    {
        var blocked = Device(pin: PinState.Locked);

        TrayState.Compute([], [], false, Now).Indicator.ShouldBe(TrayIndicator.Idle);
        TrayState.Compute([Device()], [], false, Now).Indicator.ShouldBe(TrayIndicator.DeviceReady);
        TrayState.Compute([blocked], [], false, Now).Indicator.ShouldBe(TrayIndicator.Attention);
        TrayState.Compute([blocked], ["http://portal.test"], false, Now).Indicator.ShouldBe(TrayIndicator.Busy);
        TrayState.Compute([blocked], ["http://portal.test"], true, Now).Indicator.ShouldBe(TrayIndicator.Paused);
    }

    [Fact]
    public void A_signing_certificate_ending_within_thirty_days_or_ended_needs_attention_a_ca_certificate_does_not()
    {
        TrayState.Compute([Device(notAfter: Now.AddDays(31))], [], false, Now).Attention.ShouldBeEmpty();
        TrayState.Compute([Device(notAfter: Now.AddDays(29))], [], false, Now).Attention.ShouldHaveSingleItem().Kind.ShouldBe(TrayAttentionKind.CertificateEnding);
        TrayState.Compute([Device(notAfter: Now.AddDays(-1))], [], false, Now).Attention.ShouldHaveSingleItem().Kind.ShouldBe(TrayAttentionKind.CertificateExpired);
        TrayState.Compute([Device(notAfter: Now.AddDays(-1), hasKey: false)], [], false, Now).Attention.ShouldBeEmpty();
    }

    [Fact]
    public void The_tooltip_says_what_runs_for_which_portal_and_what_needs_attention_in_both_languages()
    {
        var state = TrayState.Compute([Device(pin: PinState.Locked, notAfter: Now.AddDays(10))], ["http://portal.test:5180"], false, Now);

        var (title, lines) = TrayMenu.Tooltip(state, English);
        title.ShouldBe("Token agent: A device operation is running");
        lines.ShouldBe(
        [
            "Devices attached: 1",
            "Started by the page at http://portal.test:5180",
            "SafeNet eToken 5110 CC 0A1B2C: the PIN of area JanNovak is blocked",
            "SafeNet eToken 5110 CC 0A1B2C: the certificate in area JanNovak ends on 2026-12-11",
        ]);

        var (czechTitle, czechLines) = TrayMenu.Tooltip(state, Czech);
        czechTitle.ShouldBe("Tokenový agent: Probíhá operace se zařízením");
        czechLines[3].ShouldBe("SafeNet eToken 5110 CC 0A1B2C: certifikát v oblasti JanNovak končí 11. 12. 2026");
    }

    [Fact]
    public void The_menu_keeps_its_command_ids_lists_devices_and_offers_resume_when_paused()
    {
        var diagnostics = new TrayDiagnostics([new ModuleStatus("/usr/lib/libeTPkcs11.so", true, null, null, null, null)], ["http://portal.test:5180"], "/home/jan/.local/state/qtsp-agent");

        var running = TrayMenu.Build(TrayState.Compute([Device()], [], false, Now), diagnostics, English);
        running.Where(i => !i.IsSeparator).Select(i => (i.Id, i.Label, i.Command)).ShouldBe(
        [
            (TrayMenu.OpenPortalId, "Open the portal", TrayCommand.OpenPortal),
            (TrayMenu.DevicesId, "Devices", TrayCommand.None),
            (TrayMenu.PauseId, "Pause portal access", TrayCommand.PauseBridge),
            (TrayMenu.DiagnosticsId, "Diagnostics", TrayCommand.None),
            (TrayMenu.QuitId, "Quit", TrayCommand.Quit),
        ]);
        var device = running.Single(i => i.Id == TrayMenu.DevicesId).Children.ShouldHaveSingleItem();
        device.Label.ShouldBe("SafeNet eToken 5110 CC 0A1B2C");
        device.Children.Select(c => c.Label).ShouldBe(["JanNovak: PIN OK"]);
        running.SelectMany(i => i.SelfAndDescendants()).Select(i => i.Label).ShouldContain("/usr/lib/libeTPkcs11.so (loaded)");
        running.SelectMany(i => i.SelfAndDescendants()).Select(i => i.Id).ShouldBeUnique();

        var paused = TrayMenu.Build(TrayState.Compute([], [], true, Now), diagnostics, Czech);
        paused.Single(i => i.Id == TrayMenu.PauseId).ShouldSatisfyAllConditions(
            i => i.Label.ShouldBe("Obnovit přístup portálu"),
            i => i.Command.ShouldBe(TrayCommand.ResumeBridge));
        paused.Single(i => i.Id == TrayMenu.OpenPortalId).Enabled.ShouldBeFalse("a paused bridge answers no page");
        paused.Single(i => i.Id == TrayMenu.DevicesId).Children.ShouldHaveSingleItem().Label.ShouldBe("Žádné zařízení");
    }

    [Theory]
    [InlineData("cs_CZ.UTF-8", null, null, "Czech")]
    [InlineData("en_US.UTF-8", null, null, "English")]
    [InlineData("en_US.UTF-8", "cs_CZ.UTF-8", null, "Czech")]
    [InlineData("cs_CZ.UTF-8", null, "en", "English")]
    [InlineData("C", null, "cs", "English")]
    [InlineData(null, null, null, "English")]
    public void The_language_follows_the_posix_locale(string? lang, string? lcAll, string? language, string expected)
    {
        var variables = new Dictionary<string, string?> { ["LANG"] = lang, ["LC_ALL"] = lcAll, ["LANGUAGE"] = language };
        TrayTexts.FromPosixEnvironment(name => variables.GetValueOrDefault(name)).ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData((ushort)0x0405, "Czech")] // cs-CZ
    [InlineData((ushort)0x0409, "English")] // en-US
    [InlineData((ushort)0x041B, "English")] // sk-SK
    public void The_language_follows_the_windows_ui_language(ushort languageId, string expected) =>
        TrayTexts.FromWindowsLanguageId(languageId).ToString().ShouldBe(expected);

    [Fact]
    public void Status_reports_changes_once_and_forgets_finished_operations()
    {
        var status = new TrayStatus(TimeProvider.System);
        var changes = 0;
        status.Changed += () => changes++;

        status.OperationStarted("a", "http://portal.test");
        status.Current.BusyOrigins.ShouldBe(["http://portal.test"]);
        status.OperationEnded("a");
        status.OperationEnded("a");
        status.SetPaused(true);
        status.SetPaused(true);

        changes.ShouldBe(3);
        status.Current.ShouldSatisfyAllConditions(s => s.BusyOrigins.ShouldBeEmpty(), s => s.Indicator.ShouldBe(TrayIndicator.Paused));
    }

    private static DeviceSnapshot Device(PinState pin = PinState.Ok, DateTimeOffset? notAfter = null, bool hasKey = true)
    {
        CertificateView[] certificates = notAfter is null
            ? []
            : [new CertificateView("01", "cert", "CN=Jan Novák", "CN=CA", "01", notAfter.Value.AddYears(-1), notAfter.Value, false, false, "00", hasKey)];
        var area = new AreaSnapshot(
            AreaKind.Standard, "1", "JanNovak", "eToken", new PinStatus(PinKind.Pin, pin, false), new PinStatus(PinKind.Puk, PinState.Ok, false),
            4, 16, false, null, false, certificates, []);
        return new DeviceSnapshot("d1", DeviceModelCatalogue.EToken5110Cc.Id, "SafeNet eToken 5110 CC", "SafeNet, Inc.", "0A1B2C", "/lib.so", [area]);
    }
}

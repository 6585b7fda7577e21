using System.Globalization;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tray;

internal enum TrayLanguage
{
    Czech,
    English,
}

internal enum TrayText
{
    Title,
    StateIdle,
    StateDeviceReady,
    StateBusy,
    StateAttention,
    StatePaused,
    DevicesAttached,
    BusyFor,
    PinBlocked,
    CertificateEnding,
    CertificateExpired,
    OpenPortal,
    Devices,
    NoDevices,
    AreaLine,
    PauseBridge,
    ResumeBridge,
    Diagnostics,
    Modules,
    ModuleLoaded,
    ModuleFailed,
    AllowedOrigins,
    LogFolder,
    LogToConsole,
    Quit,
    PinOk,
    PinCountLow,
    PinFinalTry,
    PinLocked,
    PinNotInitialized,
}

/// <summary>
/// The tray's own texts in Czech and English. The agent runs with invariant globalization, so the language comes from
/// the OS: LANGUAGE/LC_ALL/LC_MESSAGES/LANG on Linux, the user's UI language on Windows. Czech when it says so, else English.
/// </summary>
internal sealed class TrayTexts(TrayLanguage language)
{
    private static readonly Dictionary<TrayText, (string Cs, string En)> Texts = new()
    {
        [TrayText.Title] = ("Tokenový agent", "Token agent"),
        [TrayText.StateIdle] = ("Běží, žádné zařízení není připojeno", "Running, no device attached"),
        [TrayText.StateDeviceReady] = ("Běží, zařízení je připojeno", "Running, a device is attached"),
        [TrayText.StateBusy] = ("Probíhá operace se zařízením", "A device operation is running"),
        [TrayText.StateAttention] = ("Zařízení vyžaduje pozornost", "A device needs attention"),
        [TrayText.StatePaused] = ("Pozastaveno: stránky portálu se k zařízením nedostanou", "Paused: portal pages cannot reach the devices"),
        [TrayText.DevicesAttached] = ("Připojená zařízení: {0}", "Devices attached: {0}"),
        [TrayText.BusyFor] = ("Spustila ji stránka {0}", "Started by the page at {0}"),
        [TrayText.PinBlocked] = ("{0}: PIN oblasti {1} je zablokován", "{0}: the PIN of area {1} is blocked"),
        [TrayText.CertificateEnding] = ("{0}: certifikát v oblasti {1} končí {2}", "{0}: the certificate in area {1} ends on {2}"),
        [TrayText.CertificateExpired] = ("{0}: certifikát v oblasti {1} skončil {2}", "{0}: the certificate in area {1} ended on {2}"),
        [TrayText.OpenPortal] = ("Otevřít portál", "Open the portal"),
        [TrayText.Devices] = ("Zařízení", "Devices"),
        [TrayText.NoDevices] = ("Žádné zařízení", "No device"),
        [TrayText.AreaLine] = ("{0}: {1}", "{0}: {1}"),
        [TrayText.PauseBridge] = ("Pozastavit přístup portálu", "Pause portal access"),
        [TrayText.ResumeBridge] = ("Obnovit přístup portálu", "Resume portal access"),
        [TrayText.Diagnostics] = ("Diagnostika", "Diagnostics"),
        [TrayText.Modules] = ("Moduly PKCS#11", "PKCS#11 modules"),
        [TrayText.ModuleLoaded] = ("{0} (načten)", "{0} (loaded)"),
        [TrayText.ModuleFailed] = ("{0} (nenačten)", "{0} (not loaded)"),
        [TrayText.AllowedOrigins] = ("Povolené adresy portálu", "Allowed portal origins"),
        [TrayText.LogFolder] = ("Složka záznamů: {0}", "Log folder: {0}"),
        [TrayText.LogToConsole] = ("Záznamy: standardní výstup", "Log: standard output"),
        [TrayText.Quit] = ("Ukončit", "Quit"),
        [TrayText.PinOk] = ("PIN v pořádku", "PIN OK"),
        [TrayText.PinCountLow] = ("PIN: zbývá málo pokusů", "PIN: few tries left"),
        [TrayText.PinFinalTry] = ("PIN: poslední pokus", "PIN: final try"),
        [TrayText.PinLocked] = ("PIN zablokován", "PIN blocked"),
        [TrayText.PinNotInitialized] = ("PIN nenastaven", "PIN not set"),
    };

    private static readonly string[] LocaleVariables = ["LC_ALL", "LC_MESSAGES", "LANG"];

    public TrayLanguage Language => language;

    public string this[TrayText key] => language == TrayLanguage.Czech ? Texts[key].Cs : Texts[key].En;

    public string Format(TrayText key, params object[] values) => string.Format(CultureInfo.InvariantCulture, this[key], values);

    public string Date(DateTimeOffset value) => value.ToString(language == TrayLanguage.Czech ? "d. M. yyyy" : "yyyy-MM-dd", CultureInfo.InvariantCulture);

    public string Pin(PinState state) => this[state switch
    {
        PinState.CountLow => TrayText.PinCountLow,
        PinState.FinalTry => TrayText.PinFinalTry,
        PinState.Locked => TrayText.PinLocked,
        PinState.NotInitialized => TrayText.PinNotInitialized,
        _ => TrayText.PinOk,
    }];

    /// <summary>The language of this user's session.</summary>
    public static TrayLanguage Detect() => OperatingSystem.IsWindows()
        ? FromWindowsLanguageId(Windows.NotifyIconNative.GetUserDefaultUILanguage())
        : FromPosixEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>gettext's order: LANGUAGE (a list), then LC_ALL, LC_MESSAGES, LANG; "C"/"POSIX" mean English.</summary>
    public static TrayLanguage FromPosixEnvironment(Func<string, string?> variable)
    {
        var setting = LocaleVariables.Select(variable).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        if (setting is null || setting is "C" or "POSIX" || setting.StartsWith("C.", StringComparison.Ordinal))
        {
            return TrayLanguage.English;
        }

        var first = variable("LANGUAGE") is { Length: > 0 } list ? list.Split(':')[0] : setting;
        return IsCzech(first) ? TrayLanguage.Czech : TrayLanguage.English;
    }

    /// <summary>A Windows LANGID: its low 10 bits are the primary language (LANG_CZECH = 0x05).</summary>
    public static TrayLanguage FromWindowsLanguageId(ushort languageId) => (languageId & 0x3FF) == 0x05 ? TrayLanguage.Czech : TrayLanguage.English;

    private static bool IsCzech(string locale) => locale.Equals("cs", StringComparison.OrdinalIgnoreCase)
        || locale.StartsWith("cs_", StringComparison.OrdinalIgnoreCase)
        || locale.StartsWith("cs-", StringComparison.OrdinalIgnoreCase)
        || locale.StartsWith("cs.", StringComparison.OrdinalIgnoreCase);
}

using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;

namespace Qtsp.Portal.Ca.Pkcs11;

/// <summary>
/// The default token store: SoftHSM2 with its tokens under the portal's data folder ({data}/ca/softhsm/tokens), unless
/// SOFTHSM2_CONF already names a configuration (an operator's, or a test's). In that default store the portal makes the
/// CA's token itself when it is missing, so a fresh data folder needs no preparation: its PIN is generated once and kept
/// next to the token files (readable by the portal's user only). Whoever can read the data folder could use the keys —
/// which is why a real deployment configures an HSM module and gives the PIN from a secret store.
/// </summary>
internal static class SoftHsmDefaults
{
    public const string ConfigVariable = "SOFTHSM2_CONF";
    public const string PinFileName = "token.pin";

    /// <summary>Points SoftHSM at the default store and returns the options to open the token with (the PIN from the store when none is configured).</summary>
    public static CaPkcs11Options Apply(CaPkcs11Options options, string caDirectory)
    {
        if (!Path.GetFileName(options.Module).Contains("softhsm2", StringComparison.OrdinalIgnoreCase)
            || Environment.GetEnvironmentVariable(ConfigVariable) is { Length: > 0 }
            || CaPkcs11Library.IsLoaded(options.Module))
        {
            return options;
        }

        var store = Path.Combine(caDirectory, "softhsm");
        var tokens = Path.Combine(store, "tokens");
        Directory.CreateDirectory(tokens);
        var config = Path.Combine(store, "softhsm2.conf");
        if (!File.Exists(config))
        {
            File.WriteAllText(config, $"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n");
        }

        // Before the module's C_Initialize, which reads it with getenv().
        NativeEnvironment.Set(ConfigVariable, config);
        if (!string.IsNullOrEmpty(options.Pin))
        {
            return options;
        }

        var withPin = new CaPkcs11Options { Module = options.Module, TokenLabel = options.TokenLabel, Pin = ReadOrCreatePin(Path.Combine(store, PinFileName)) };
        EnsureToken(withPin);
        return withPin;
    }

    private static string ReadOrCreatePin(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var pin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var temporary = path + ".new";
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, create))
        {
            writer.Write(pin);
        }

        File.Move(temporary, path);
        return pin;
    }

    /// <summary>Initialises a free SoftHSM slot as the CA's token when no token has its label (the first start on this data folder).</summary>
    private static void EnsureToken(CaPkcs11Options options)
    {
        var library = CaPkcs11Library.Load(options.Module);
        var slots = library.GetSlotList(SlotsType.WithTokenPresent);
        if (slots.Any(s => s.GetTokenInfo().Label.Trim() == options.TokenLabel))
        {
            return;
        }

        var free = slots.FirstOrDefault(s => !s.GetTokenInfo().TokenFlags.TokenInitialized)
            ?? throw new CaStartupException($"The SoftHSM2 store has no free slot for the CA token '{options.TokenLabel}'.");
        // The security officer's PIN is needed only to set the user PIN now; nobody keeps it.
        var soPin = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        free.InitToken(soPin, options.TokenLabel);
        var initialised = library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label.Trim() == options.TokenLabel);
        using var session = initialised.OpenSession(SessionType.ReadWrite);
        session.Login(CKU.CKU_SO, soPin);
        session.InitPin(options.Pin);
        session.Logout();
    }
}

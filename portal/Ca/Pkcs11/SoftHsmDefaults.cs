namespace Qtsp.Portal.Ca.Pkcs11;

/// <summary>
/// The default token store: SoftHSM2 with its tokens under the portal's data folder ({data}/ca/softhsm/tokens), unless
/// SOFTHSM2_CONF already names a configuration (an operator's, or a test's).
/// </summary>
internal static class SoftHsmDefaults
{
    public const string ConfigVariable = "SOFTHSM2_CONF";

    public static void ApplyIfSoftHsm(string modulePath, string caDirectory)
    {
        if (!Path.GetFileName(modulePath).Contains("softhsm2", StringComparison.OrdinalIgnoreCase)
            || Environment.GetEnvironmentVariable(ConfigVariable) is { Length: > 0 }
            || CaPkcs11Library.IsLoaded(modulePath))
        {
            return;
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
    }
}

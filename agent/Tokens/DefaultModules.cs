namespace Qtsp.Agent.Tokens;

/// <summary>The vendor PKCS#11 libraries of the devices the CA issues per operating system.</summary>
internal static class DefaultModules
{
    public static IReadOnlyList<string> ForCurrentOs()
    {
        if (OperatingSystem.IsWindows())
        {
            return Windows(System.Environment.GetFolderPath(System.Environment.SpecialFolder.System));
        }

        if (OperatingSystem.IsMacOS())
        {
            return
            [
                "/usr/local/lib/libeTPkcs11.dylib",
                "/usr/local/lib/libIDPrimePKCS11.dylib",
                "/Library/OpenSC/lib/opensc-pkcs11.so",
            ];
        }

        return
        [
            "/usr/lib/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
            "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
            "/usr/lib/libeToken.so",
            "/usr/lib/libIDPrimePKCS11.so",
        ];
    }

    /// <summary>Where the vendors' installers put their modules on Windows: System32.</summary>
    internal static IReadOnlyList<string> Windows(string system32) =>
    [
        Path.Combine(system32, "eTPKCS11.dll"),        // SafeNet Authentication Client: eToken 5110 CC
        Path.Combine(system32, "IDPrimePKCS11.dll"),   // SafeNet Authentication Client: IDPrime MD
        Path.Combine(system32, "PROIDQCM11.dll"),      // Monet+ ProID+Q
        Path.Combine(system32, "bit4xpki.dll"),        // Bit4id TokenME
    ];
}

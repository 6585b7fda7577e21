using System.Runtime.InteropServices;

namespace Qtsp.Portal.Ca.Pkcs11;

/// <summary>
/// Sets a variable in the native environment: modules read settings such as SOFTHSM2_CONF with getenv() in
/// C_Initialize, and on Unix Environment.SetEnvironmentVariable does not reach that copy.
/// </summary>
internal static partial class NativeEnvironment
{
    public static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows() && setenv(name, value, 1) != 0)
        {
            throw new InvalidOperationException($"setenv({name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);
}

using System.Runtime.InteropServices;

namespace Qtsp.Agent.Pkcs11;

/// <summary>
/// The two binary shapes of the PKCS#11 C interface. Windows modules are built with 1-byte packing and a
/// 32-bit CK_ULONG; everywhere else CK_ULONG is C's <c>unsigned long</c> (pointer-sized) with natural alignment.
/// </summary>
internal static class Pkcs11Abi
{
    public static bool IsWindows { get; } = OperatingSystem.IsWindows();

    /// <summary>Size of CK_ULONG in bytes (also inside attribute values such as CKA_CLASS).</summary>
    public static int UlongSize { get; } = Marshal.SizeOf<CULong>();

    /// <summary>
    /// Offset of the first function pointer in CK_FUNCTION_LIST: the list starts with a 2-byte CK_VERSION,
    /// padded to pointer alignment except under Windows' 1-byte packing.
    /// </summary>
    public static int FunctionListHeaderSize { get; } = IsWindows ? 2 : IntPtr.Size;
}

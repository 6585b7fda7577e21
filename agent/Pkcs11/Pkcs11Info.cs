using System.Text;

namespace Qtsp.Agent.Pkcs11;

/// <summary>C_GetInfo: the module itself.</summary>
internal sealed record ModuleInfo(string CryptokiVersion, string ManufacturerId, string LibraryDescription, string LibraryVersion);

/// <summary>C_GetSlotInfo: a reader or virtual slot. <paramref name="Flags"/> are CKF_ values of CK_SLOT_INFO.</summary>
internal sealed record SlotInfo(string Description, string ManufacturerId, ulong Flags)
{
    public bool TokenPresent => (Flags & CKF.CKF_TOKEN_PRESENT) != 0;
}

/// <summary>
/// C_GetTokenInfo. <paramref name="Flags"/> are CKF_ values of CK_TOKEN_INFO. Memory and PIN-length values are null
/// where the token reports CK_UNAVAILABLE_INFORMATION.
/// </summary>
internal sealed record TokenInfo(
    string Label,
    string ManufacturerId,
    string Model,
    string SerialNumber,
    ulong Flags,
    ulong? MinPinLength,
    ulong? MaxPinLength,
    ulong? TotalPublicMemory,
    ulong? FreePublicMemory,
    ulong? TotalPrivateMemory,
    ulong? FreePrivateMemory,
    string HardwareVersion,
    string FirmwareVersion)
{
    public bool Has(ulong flag) => (Flags & flag) == flag;
}

internal sealed record SessionInfo(ulong SlotId, CKS State, ulong Flags);

/// <summary>The fixed-size, blank-padded (not NUL-terminated) text of PKCS#11 token labels.</summary>
internal static class BlankPadded
{
    /// <summary>Encodes a label as the 32 blank-padded bytes a token label takes.</summary>
    public static byte[] Label(string label)
    {
        var bytes = Enumerable.Repeat((byte)' ', 32).ToArray();
        var encoded = Encoding.UTF8.GetBytes(label);
        if (encoded.Length > 32)
        {
            throw new ArgumentException("A token label holds at most 32 bytes.", nameof(label));
        }

        encoded.CopyTo(bytes, 0);
        return bytes;
    }
}

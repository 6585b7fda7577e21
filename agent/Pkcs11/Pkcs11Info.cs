using System.Text;

namespace Qtsp.Agent.Pkcs11;

/// <summary>C_GetInfo: the module itself.</summary>
internal sealed record ModuleInfo(string CryptokiVersion, string ManufacturerId, string LibraryDescription, string LibraryVersion);

/// <summary>C_GetSlotInfo: a reader or virtual slot.</summary>
internal sealed record SlotInfo(string Description, string ManufacturerId, CkSlotFlags Flags)
{
    public bool TokenPresent => Flags.HasFlag(CkSlotFlags.CKF_TOKEN_PRESENT);
}

/// <summary>C_GetTokenInfo. Memory and PIN-length values are null where the token reports CK_UNAVAILABLE_INFORMATION.</summary>
internal sealed record TokenInfo(
    string Label,
    string ManufacturerId,
    string Model,
    string SerialNumber,
    CkTokenFlags Flags,
    ulong? MinPinLength,
    ulong? MaxPinLength,
    ulong? TotalPublicMemory,
    ulong? FreePublicMemory,
    ulong? TotalPrivateMemory,
    ulong? FreePrivateMemory,
    string HardwareVersion,
    string FirmwareVersion)
{
    public bool Has(CkTokenFlags flag) => (Flags & flag) == flag;
}

internal sealed record SessionInfo(ulong SlotId, CKS State, CkSessionFlags Flags);

internal sealed record MechanismInfo(ulong MinKeySize, ulong MaxKeySize, CkMechanismFlags Flags);

/// <summary>Decoding of the fixed-size, blank-padded (not NUL-terminated) text fields of PKCS#11 structures.</summary>
internal static class BlankPadded
{
    public static unsafe string Read(byte* field, int length) =>
        Encoding.UTF8.GetString(new ReadOnlySpan<byte>(field, length)).TrimEnd(' ', '\0');

    /// <summary>Encodes a label as the 32 blank-padded bytes C_InitToken expects.</summary>
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

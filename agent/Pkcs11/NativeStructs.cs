using System.Runtime.InteropServices;

// Layouts of the PKCS#11 structures the binding passes to modules. Tests compare every size and offset
// with what gcc (natural alignment) and mingw-w64 (Windows packing) compute from the C header.
#pragma warning disable CA1707, IDE1006 // field names follow the C header

namespace Qtsp.Agent.Pkcs11;

[StructLayout(LayoutKind.Sequential)]
internal struct CK_VERSION
{
    public byte major;
    public byte minor;

    public override readonly string ToString() => $"{major}.{minor}";
}

// Structures made only of CK_ULONGs and pointers: one declaration fits both ABIs. With Pack = 1 and a
// 4-byte CULong the Windows layout follows; on Unix every field is pointer-sized, so packing changes nothing.

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct CK_ATTRIBUTE
{
    public CULong type;
    public void* pValue;
    public CULong ulValueLen;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct CK_MECHANISM
{
    public CULong mechanism;
    public void* pParameter;
    public CULong ulParameterLen;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct CK_MECHANISM_INFO
{
    public CULong ulMinKeySize;
    public CULong ulMaxKeySize;
    public CULong flags;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal struct CK_SESSION_INFO
{
    public CULong slotID;
    public CULong state;
    public CULong flags;
    public CULong ulDeviceError;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct CK_C_INITIALIZE_ARGS
{
    public void* CreateMutex;
    public void* DestroyMutex;
    public void* LockMutex;
    public void* UnlockMutex;
    public CULong flags;
    public void* pReserved;
}

// Structures with character arrays or CK_VERSION before CK_ULONG fields: Windows packing moves the
// fields, so each has a Unix declaration (natural alignment, CULong) and a Windows twin (Pack = 1,
// uint, since CK_ULONG is 32-bit on every Windows target).

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_INFO
{
    public CK_VERSION cryptokiVersion;
    public fixed byte manufacturerID[32];
    public CULong flags;
    public fixed byte libraryDescription[32];
    public CK_VERSION libraryVersion;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct CK_INFO_WINDOWS
{
    public CK_VERSION cryptokiVersion;
    public fixed byte manufacturerID[32];
    public uint flags;
    public fixed byte libraryDescription[32];
    public CK_VERSION libraryVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_SLOT_INFO
{
    public fixed byte slotDescription[64];
    public fixed byte manufacturerID[32];
    public CULong flags;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct CK_SLOT_INFO_WINDOWS
{
    public fixed byte slotDescription[64];
    public fixed byte manufacturerID[32];
    public uint flags;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CK_TOKEN_INFO
{
    public fixed byte label[32];
    public fixed byte manufacturerID[32];
    public fixed byte model[16];
    public fixed byte serialNumber[16];
    public CULong flags;
    public CULong ulMaxSessionCount;
    public CULong ulSessionCount;
    public CULong ulMaxRwSessionCount;
    public CULong ulRwSessionCount;
    public CULong ulMaxPinLen;
    public CULong ulMinPinLen;
    public CULong ulTotalPublicMemory;
    public CULong ulFreePublicMemory;
    public CULong ulTotalPrivateMemory;
    public CULong ulFreePrivateMemory;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
    public fixed byte utcTime[16];
}

[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct CK_TOKEN_INFO_WINDOWS
{
    public fixed byte label[32];
    public fixed byte manufacturerID[32];
    public fixed byte model[16];
    public fixed byte serialNumber[16];
    public uint flags;
    public uint ulMaxSessionCount;
    public uint ulSessionCount;
    public uint ulMaxRwSessionCount;
    public uint ulRwSessionCount;
    public uint ulMaxPinLen;
    public uint ulMinPinLen;
    public uint ulTotalPublicMemory;
    public uint ulFreePublicMemory;
    public uint ulTotalPrivateMemory;
    public uint ulFreePrivateMemory;
    public CK_VERSION hardwareVersion;
    public CK_VERSION firmwareVersion;
    public fixed byte utcTime[16];
}

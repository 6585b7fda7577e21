using System.Runtime.InteropServices;

namespace Qtsp.Agent.Pkcs11;

/// <summary>
/// One loaded PKCS#11 library. A library is initialised once per process: loading the same path again
/// returns the same instance (reference counted), and only the last <see cref="Dispose"/> finalises it.
/// All calls go through the module's CK_FUNCTION_LIST with unmanaged function pointers.
/// </summary>
internal sealed unsafe class Pkcs11Module : IDisposable
{
    private static readonly Dictionary<string, Pkcs11Module> LoadedModules = new(StringComparer.Ordinal);

    private readonly nint _library;
    private readonly byte* _functionList;
    private readonly bool _initializedHere;
    private int _references = 1;

    private Pkcs11Module(string path, nint library, byte* functionList, bool initializedHere)
    {
        LibraryPath = path;
        _library = library;
        _functionList = functionList;
        _initializedHere = initializedHere;
    }

    public string LibraryPath { get; }

    /// <summary>Loads and initialises the library at <paramref name="path"/> (for multi-threaded use, OS locking).</summary>
    public static Pkcs11Module Load(string path)
    {
        path = ResolvePath(path);
        lock (LoadedModules)
        {
            if (LoadedModules.TryGetValue(path, out var loaded))
            {
                loaded._references++;
                return loaded;
            }

            var library = NativeLibrary.Load(path);
            try
            {
                var getFunctionList = (delegate* unmanaged[Cdecl]<byte**, CULong>)NativeLibrary.GetExport(library, "C_GetFunctionList");
                byte* functionList = null;
                Check((CKR)getFunctionList(&functionList).Value, nameof(Pkcs11Function.C_GetFunctionList));
                if (functionList == null)
                {
                    throw new Pkcs11Exception(nameof(Pkcs11Function.C_GetFunctionList), CKR.CKR_GENERAL_ERROR);
                }

                var initializedHere = Initialize(functionList);
                var module = new Pkcs11Module(path, library, functionList, initializedHere);
                LoadedModules.Add(path, module);
                return module;
            }
            catch
            {
                NativeLibrary.Free(library);
                throw;
            }
        }
    }

    /// <summary>The file behind a path, so that two links to one library load it once (Debian links /usr/lib/softhsm/ into the multiarch folder).</summary>
    public static string ResolvePath(string path)
    {
        if (!Path.IsPathRooted(path) || !File.Exists(path))
        {
            return path; // a bare name is left to the OS loader's search
        }

        var file = new FileInfo(path);
        return file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName;
    }

    private static bool Initialize(byte* functionList)
    {
        var args = new CK_C_INITIALIZE_ARGS { flags = new CULong((nuint)CkInitializeFlags.CKF_OS_LOCKING_OK) };
        var initialize = (delegate* unmanaged[Cdecl]<CK_C_INITIALIZE_ARGS*, CULong>)FunctionPointer(functionList, Pkcs11Function.C_Initialize);
        var rv = (CKR)initialize(&args).Value;
        if (rv == CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED)
        {
            // Another component of this process owns the library; use it, but leave finalisation to the owner.
            return false;
        }

        Check(rv, nameof(Pkcs11Function.C_Initialize));
        return true;
    }

    private static void* FunctionPointer(byte* functionList, Pkcs11Function function)
    {
        var pointer = *(void**)(functionList + Pkcs11Abi.FunctionListHeaderSize + ((int)function * IntPtr.Size));
        if (pointer == null)
        {
            throw new Pkcs11Exception(function.ToString(), CKR.CKR_FUNCTION_NOT_SUPPORTED);
        }

        return pointer;
    }

    internal void* Function(Pkcs11Function function) => FunctionPointer(_functionList, function);

    /// <summary>A vendor extension the library exports besides the standard function list.</summary>
    public bool TryGetExport(string name, out nint address) => NativeLibrary.TryGetExport(_library, name, out address);

    internal static void Check(CKR rv, string function)
    {
        if (rv != CKR.CKR_OK)
        {
            throw new Pkcs11Exception(function, rv);
        }
    }

    internal static CKR Rv(CULong value) => (CKR)value.Value;

    internal static CULong Ulong(ulong value) => new((nuint)value);

    public ModuleInfo GetInfo()
    {
        var fn = (delegate* unmanaged[Cdecl]<void*, CULong>)Function(Pkcs11Function.C_GetInfo);
        if (Pkcs11Abi.IsWindows)
        {
            CK_INFO_WINDOWS w;
            Check(Rv(fn(&w)), nameof(Pkcs11Function.C_GetInfo));
            return new ModuleInfo(w.cryptokiVersion.ToString(), BlankPadded.Read(w.manufacturerID, 32), BlankPadded.Read(w.libraryDescription, 32), w.libraryVersion.ToString());
        }

        CK_INFO u;
        Check(Rv(fn(&u)), nameof(Pkcs11Function.C_GetInfo));
        return new ModuleInfo(u.cryptokiVersion.ToString(), BlankPadded.Read(u.manufacturerID, 32), BlankPadded.Read(u.libraryDescription, 32), u.libraryVersion.ToString());
    }

    public IReadOnlyList<ulong> GetSlotList(bool tokenPresent)
    {
        var fn = (delegate* unmanaged[Cdecl]<byte, CULong*, CULong*, CULong>)Function(Pkcs11Function.C_GetSlotList);
        while (true)
        {
            CULong count = default;
            Check(Rv(fn(tokenPresent ? (byte)1 : (byte)0, null, &count)), nameof(Pkcs11Function.C_GetSlotList));
            var slots = new CULong[(int)count.Value];
            fixed (CULong* p = slots)
            {
                var rv = Rv(fn(tokenPresent ? (byte)1 : (byte)0, p, &count));
                if (rv == CKR.CKR_BUFFER_TOO_SMALL)
                {
                    continue; // a device arrived between the two calls
                }

                Check(rv, nameof(Pkcs11Function.C_GetSlotList));
            }

            return slots.Take((int)count.Value).Select(s => (ulong)s.Value).ToArray();
        }
    }

    public SlotInfo GetSlotInfo(ulong slotId)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, void*, CULong>)Function(Pkcs11Function.C_GetSlotInfo);
        if (Pkcs11Abi.IsWindows)
        {
            CK_SLOT_INFO_WINDOWS w;
            Check(Rv(fn(Ulong(slotId), &w)), nameof(Pkcs11Function.C_GetSlotInfo));
            return new SlotInfo(BlankPadded.Read(w.slotDescription, 64), BlankPadded.Read(w.manufacturerID, 32), (CkSlotFlags)w.flags);
        }

        CK_SLOT_INFO u;
        Check(Rv(fn(Ulong(slotId), &u)), nameof(Pkcs11Function.C_GetSlotInfo));
        return new SlotInfo(BlankPadded.Read(u.slotDescription, 64), BlankPadded.Read(u.manufacturerID, 32), (CkSlotFlags)u.flags.Value);
    }

    public TokenInfo GetTokenInfo(ulong slotId)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, void*, CULong>)Function(Pkcs11Function.C_GetTokenInfo);
        if (Pkcs11Abi.IsWindows)
        {
            CK_TOKEN_INFO_WINDOWS w;
            Check(Rv(fn(Ulong(slotId), &w)), nameof(Pkcs11Function.C_GetTokenInfo));
            return new TokenInfo(
                BlankPadded.Read(w.label, 32),
                BlankPadded.Read(w.manufacturerID, 32),
                BlankPadded.Read(w.model, 16),
                BlankPadded.Read(w.serialNumber, 16),
                (CkTokenFlags)w.flags,
                Available32(w.ulMinPinLen),
                Available32(w.ulMaxPinLen),
                Available32(w.ulTotalPublicMemory),
                Available32(w.ulFreePublicMemory),
                Available32(w.ulTotalPrivateMemory),
                Available32(w.ulFreePrivateMemory),
                w.hardwareVersion.ToString(),
                w.firmwareVersion.ToString());
        }

        CK_TOKEN_INFO u;
        Check(Rv(fn(Ulong(slotId), &u)), nameof(Pkcs11Function.C_GetTokenInfo));
        return new TokenInfo(
            BlankPadded.Read(u.label, 32),
            BlankPadded.Read(u.manufacturerID, 32),
            BlankPadded.Read(u.model, 16),
            BlankPadded.Read(u.serialNumber, 16),
            (CkTokenFlags)u.flags.Value,
            Available(u.ulMinPinLen),
            Available(u.ulMaxPinLen),
            Available(u.ulTotalPublicMemory),
            Available(u.ulFreePublicMemory),
            Available(u.ulTotalPrivateMemory),
            Available(u.ulFreePrivateMemory),
            u.hardwareVersion.ToString(),
            u.firmwareVersion.ToString());
    }

    private static ulong? Available(CULong value) => value.Value == nuint.MaxValue ? null : value.Value;

    private static ulong? Available32(uint value) => value == uint.MaxValue ? null : value;

    public IReadOnlyList<CKM> GetMechanismList(ulong slotId)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong*, CULong*, CULong>)Function(Pkcs11Function.C_GetMechanismList);
        CULong count = default;
        Check(Rv(fn(Ulong(slotId), null, &count)), nameof(Pkcs11Function.C_GetMechanismList));
        var mechanisms = new CULong[(int)count.Value];
        fixed (CULong* p = mechanisms)
        {
            Check(Rv(fn(Ulong(slotId), p, &count)), nameof(Pkcs11Function.C_GetMechanismList));
        }

        return mechanisms.Take((int)count.Value).Select(m => (CKM)m.Value).ToArray();
    }

    public MechanismInfo GetMechanismInfo(ulong slotId, CKM mechanism)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong, CK_MECHANISM_INFO*, CULong>)Function(Pkcs11Function.C_GetMechanismInfo);
        CK_MECHANISM_INFO info;
        Check(Rv(fn(Ulong(slotId), Ulong((ulong)mechanism), &info)), nameof(Pkcs11Function.C_GetMechanismInfo));
        return new MechanismInfo(info.ulMinKeySize.Value, info.ulMaxKeySize.Value, (CkMechanismFlags)info.flags.Value);
    }

    /// <summary>Opens a session; read-write when objects or PINs are to be changed.</summary>
    public Pkcs11Session OpenSession(ulong slotId, bool readWrite)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong, void*, void*, CULong*, CULong>)Function(Pkcs11Function.C_OpenSession);
        var flags = CkSessionFlags.CKF_SERIAL_SESSION | (readWrite ? CkSessionFlags.CKF_RW_SESSION : CkSessionFlags.None);
        CULong handle;
        Check(Rv(fn(Ulong(slotId), Ulong((ulong)flags), null, null, &handle)), nameof(Pkcs11Function.C_OpenSession));
        return new Pkcs11Session(this, slotId, handle.Value);
    }

    public void CloseAllSessions(ulong slotId)
    {
        var fn = (delegate* unmanaged[Cdecl]<CULong, CULong>)Function(Pkcs11Function.C_CloseAllSessions);
        Check(Rv(fn(Ulong(slotId))), nameof(Pkcs11Function.C_CloseAllSessions));
    }

    public void Dispose()
    {
        lock (LoadedModules)
        {
            if (--_references > 0)
            {
                return;
            }

            LoadedModules.Remove(LibraryPath);
            if (_initializedHere)
            {
                var finalize = (delegate* unmanaged[Cdecl]<void*, CULong>)Function(Pkcs11Function.C_Finalize);
                _ = finalize(null);
            }

            // The library stays mapped: some modules start threads that outlive C_Finalize, and unloading
            // code under a running thread crashes the process. Loading it again reuses the mapping.
        }
    }
}

using System.Collections.Concurrent;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;

namespace Qtsp.Agent.Pkcs11;

/// <summary>
/// One PKCS#11 library, loaded through Pkcs11Interop. Each library is loaded and initialised once per process and
/// stays loaded while the agent runs: loading the same path again returns the same instance. Nothing finalises it,
/// because another component of the process may have initialised it and may still be using it, and some modules
/// start threads that outlive C_Finalize.
/// </summary>
internal sealed class Pkcs11Module
{
    private static readonly Pkcs11InteropFactories Factories = CreateFactories();

    private static readonly ConcurrentDictionary<string, Lazy<Pkcs11Module>> LoadedModules = new(StringComparer.Ordinal);

    private readonly IPkcs11Library _library;
    private readonly ConcurrentDictionary<ulong, ISlot> _slots = new();

    private Pkcs11Module(string path, IPkcs11Library library)
    {
        LibraryPath = path;
        _library = library;
        Extensions = VendorExtensions.Of(path);
    }

    public string LibraryPath { get; }

    /// <summary>
    /// Pkcs11Interop loads modules with dlopen from "libdl". glibc 2.34 moved dlopen into libc and ships libdl only as
    /// the versioned stub libdl.so.2 (the unversioned name comes with development packages, if at all), so that name is
    /// resolved to the stub here, as Pkcs11Interop's maintainer advises (Pkcs11Interop issue #239); anywhere else the
    /// loader's own search stays in charge.
    /// </summary>
    private static Pkcs11InteropFactories CreateFactories()
    {
        NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, static (name, _, _) =>
            OperatingSystem.IsLinux() && name == "libdl" && NativeLibrary.TryLoad("libdl.so.2", out var libdl) ? libdl : 0);
        return new Pkcs11InteropFactories();
    }

    /// <summary>What the module offers beyond the standard (e.g. renaming a token).</summary>
    public VendorExtensions Extensions { get; }

    internal static IObjectAttributeFactory Attributes => Factories.ObjectAttributeFactory;

    internal static IMechanismFactory Mechanisms => Factories.MechanismFactory;

    /// <summary>
    /// Loads and initialises the library at <paramref name="path"/> for multi-threaded use (OS locking), or returns it
    /// when this process already has. CKR_CRYPTOKI_ALREADY_INITIALIZED (someone else in the process initialised it)
    /// is not a failure: Pkcs11Interop's C_Initialize accepts it and the library is used as it is.
    /// </summary>
    public static Pkcs11Module Load(string path)
    {
        path = ResolvePath(path);
        var entry = LoadedModules.GetOrAdd(path, p => new Lazy<Pkcs11Module>(() => LoadOnce(p), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return entry.Value;
        }
        catch
        {
            // A library that failed to load is tried again next time (it may be installed by then).
            LoadedModules.TryRemove(new KeyValuePair<string, Lazy<Pkcs11Module>>(path, entry));
            throw;
        }
    }

    private static Pkcs11Module LoadOnce(string path)
    {
        var library = Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, path, AppType.MultiThreaded);
        return new Pkcs11Module(path, library);
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

    public ModuleInfo GetInfo()
    {
        var info = _library.GetInfo();
        return new ModuleInfo(info.CryptokiVersion, info.ManufacturerId, info.LibraryDescription, AsToolsShow(info.LibraryVersion));
    }

    public IReadOnlyList<ulong> GetSlotList(bool tokenPresent) =>
        Remember(_library.GetSlotList(tokenPresent ? SlotsType.WithTokenPresent : SlotsType.WithOrWithoutTokenPresent)).Select(s => s.SlotId).ToArray();

    public SlotInfo GetSlotInfo(ulong slotId)
    {
        var info = Slot(slotId, "C_GetSlotInfo").GetSlotInfo();
        return new SlotInfo(info.SlotDescription, info.ManufacturerId, info.SlotFlags.Flags);
    }

    public TokenInfo GetTokenInfo(ulong slotId)
    {
        var info = Slot(slotId, "C_GetTokenInfo").GetTokenInfo();
        return new TokenInfo(
            info.Label,
            info.ManufacturerId,
            info.Model,
            info.SerialNumber,
            info.TokenFlags.Flags,
            Available(info.MinPinLen),
            Available(info.MaxPinLen),
            Available(info.TotalPublicMemory),
            Available(info.FreePublicMemory),
            Available(info.TotalPrivateMemory),
            Available(info.FreePrivateMemory),
            AsToolsShow(info.HardwareVersion),
            AsToolsShow(info.FirmwareVersion));
    }

    /// <summary>
    /// A CK_VERSION as pkcs11-tool and vendor tools show it ("2.6"); Pkcs11Interop pads the minor number ("2.06"). The
    /// Cryptoki version keeps its two digits ("2.40"), as the standard names its versions.
    /// </summary>
    private static string AsToolsShow(string version) =>
        version.Split('.') is [var major, var minor] && int.TryParse(minor, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? $"{major}.{number.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : version;

    /// <summary>CK_UNAVAILABLE_INFORMATION is all bits of a CK_ULONG set: 32 of them on Windows, 64 elsewhere.</summary>
    internal static bool IsUnavailable(ulong value) => value == (Platform.NativeULongSize == 4 ? uint.MaxValue : ulong.MaxValue);

    private static ulong? Available(ulong value) => IsUnavailable(value) ? null : value;

    public IReadOnlyList<CKM> GetMechanismList(ulong slotId) => Slot(slotId, "C_GetMechanismList").GetMechanismList();

    /// <summary>Opens a session; read-write when objects or PINs are to be changed.</summary>
    public Pkcs11Session OpenSession(ulong slotId, bool readWrite) =>
        new(this, slotId, Slot(slotId, "C_OpenSession").OpenSession(readWrite ? SessionType.ReadWrite : SessionType.ReadOnly));

    public void CloseAllSessions(ulong slotId) => Slot(slotId, "C_CloseAllSessions").CloseAllSessions();

    /// <summary>
    /// The slot object of an id. Pkcs11Interop hands slots out only from C_GetSlotList, so they are kept as listed; an id
    /// not listed yet is looked up once more, and one the module does not list is CKR_SLOT_ID_INVALID from the call that asked,
    /// as the module itself would answer.
    /// </summary>
    private ISlot Slot(ulong slotId, string function)
    {
        if (_slots.TryGetValue(slotId, out var slot))
        {
            return slot;
        }

        Remember(_library.GetSlotList(SlotsType.WithOrWithoutTokenPresent));
        return _slots.TryGetValue(slotId, out slot) ? slot : throw new Pkcs11Exception(function, CKR.CKR_SLOT_ID_INVALID);
    }

    private List<ISlot> Remember(List<ISlot> slots)
    {
        foreach (var slot in slots)
        {
            _slots.TryAdd(slot.SlotId, slot);
        }

        return slots;
    }
}

using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.Factories;

namespace Qtsp.Portal.Ca.Pkcs11;

/// <summary>
/// A PKCS#11 library loaded once per process and never finalised: C_Initialize/C_Finalize are process-wide, and a
/// second CA instance in the same process (tests, a restart of the host) must find the module as the first left it.
/// </summary>
internal static class CaPkcs11Library
{
    private static readonly ConcurrentDictionary<string, Lazy<IPkcs11Library>> Loaded = new(StringComparer.Ordinal);

    public static Pkcs11InteropFactories Factories { get; } = CreateFactories();

    public static IPkcs11Library Load(string path)
    {
        var resolved = Resolve(path);
        var entry = Loaded.GetOrAdd(resolved, p => new Lazy<IPkcs11Library>(
            () => Factories.Pkcs11LibraryFactory.LoadPkcs11Library(Factories, p, AppType.MultiThreaded),
            LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return entry.Value;
        }
        catch
        {
            Loaded.TryRemove(new KeyValuePair<string, Lazy<IPkcs11Library>>(resolved, entry));
            throw;
        }
    }

    public static bool IsLoaded(string path) => Loaded.TryGetValue(Resolve(path), out var entry) && entry.IsValueCreated;

    /// <summary>Two links to one library (Debian's /usr/lib/softhsm and the multiarch folder) must load it once.</summary>
    private static string Resolve(string path)
    {
        if (!Path.IsPathRooted(path) || !File.Exists(path))
        {
            return path;
        }

        var file = new FileInfo(path);
        return file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName;
    }

    /// <summary>
    /// Pkcs11Interop calls dlopen through "libdl"; glibc 2.34+ ships only libdl.so.2 without development packages, so
    /// that name is pointed at it (Pkcs11Interop issue #239).
    /// </summary>
    private static Pkcs11InteropFactories CreateFactories()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, static (name, _, _) =>
                OperatingSystem.IsLinux() && name == "libdl" && NativeLibrary.TryLoad("libdl.so.2", out var libdl) ? libdl : 0);
        }
        catch (InvalidOperationException)
        {
            // Another component of this process set a resolver for Pkcs11Interop already; it solves the same problem.
        }

        return new Pkcs11InteropFactories();
    }

    public static IObjectAttribute Attribute(CKA type, byte[] value) => Factories.ObjectAttributeFactory.Create(type, value);

    public static IObjectAttribute Attribute(CKA type, bool value) => Factories.ObjectAttributeFactory.Create(type, value);

    public static IObjectAttribute Attribute(CKA type, ulong value) => Factories.ObjectAttributeFactory.Create(type, value);

    public static IObjectAttribute Attribute(CKA type, string value) => Factories.ObjectAttributeFactory.Create(type, value);

    public static IObjectAttribute Attribute(CKA type, CKO value) => Factories.ObjectAttributeFactory.Create(type, value);

    public static IObjectAttribute Attribute(CKA type, CKK value) => Factories.ObjectAttributeFactory.Create(type, value);

    public static IMechanism Mechanism(CKM type) => Factories.MechanismFactory.Create(type);
}

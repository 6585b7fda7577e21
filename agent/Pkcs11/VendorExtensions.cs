namespace Qtsp.Agent.Pkcs11;

/// <summary>Renames a token. PKCS#11 has no call for it (C_InitToken would wipe the token), so only some modules offer it.</summary>
internal interface ITokenRenamer
{
    /// <summary>Sets the label of the token in <paramref name="slotId"/>; throws <see cref="Pkcs11Exception"/> when the module refuses.</summary>
    void Rename(ulong slotId, string label);
}

/// <summary>What a module offers beyond the PKCS#11 standard, found by looking at the module itself.</summary>
internal sealed record VendorExtensions(ITokenRenamer? Renamer)
{
    public static readonly VendorExtensions None = new(Renamer: null);

    public bool CanRename => Renamer is not null;

    /// <summary>
    /// The extensions of the library at <paramref name="path"/>. The library is opened again by the same path: the OS
    /// counts references to a loaded library, so this is the module PKCS#11 calls go to, and it stays loaded with it.
    /// </summary>
    public static VendorExtensions Of(string path)
    {
        if (!NativeLibrary.TryLoad(path, out var library))
        {
            return None;
        }

        return new VendorExtensions(SimulatorTokenRenamer.TryCreate(library));
    }
}

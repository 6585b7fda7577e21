namespace Qtsp.Agent.Pkcs11;

/// <summary>The PKCS#11 simulator's (tests/Pkcs11Simulator) rename: CK_RV P11SIM_SetTokenLabel(CK_SLOT_ID, const CK_UTF8CHAR label[32]).</summary>
internal sealed unsafe class SimulatorTokenRenamer : ITokenRenamer
{
    public const string ExportName = "P11SIM_SetTokenLabel";

    private readonly delegate* unmanaged[Cdecl]<CULong, byte*, CULong> _setTokenLabel;

    private SimulatorTokenRenamer(nint export) => _setTokenLabel = (delegate* unmanaged[Cdecl]<CULong, byte*, CULong>)export;

    public static SimulatorTokenRenamer? TryCreate(nint library) =>
        NativeLibrary.TryGetExport(library, ExportName, out var export) ? new SimulatorTokenRenamer(export) : null;

    public void Rename(ulong slotId, string label)
    {
        var padded = BlankPadded.Label(label);
        CULong rv;
        fixed (byte* p = padded)
        {
            rv = _setTokenLabel(new CULong((nuint)slotId), p);
        }

        if ((CKR)(ulong)rv.Value != CKR.CKR_OK)
        {
            throw new Pkcs11Exception(ExportName, (CKR)(ulong)rv.Value);
        }
    }
}

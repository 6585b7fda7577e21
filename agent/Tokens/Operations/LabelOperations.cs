using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Renaming a token. PKCS#11 has no call for it (C_InitToken would wipe the token), so it takes a vendor
/// extension of the module; where the module has none, the agent says so instead of pretending.
/// </summary>
internal static unsafe class LabelOperations
{
    /// <summary>The PKCS#11 simulator's extension: (CK_SLOT_ID, 32 blank-padded UTF-8 bytes) → CK_RV.</summary>
    public const string SimulatorExtension = "P11SIM_SetTokenLabel";

    public static string Rename(DeviceTarget target, TokenRename command)
    {
        var label = command.NewLabel.Trim();
        if (label.Length == 0 || Encoding.UTF8.GetByteCount(label) > 32 || label.Any(char.IsControl))
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        if (!target.Module.TryGetExport(SimulatorExtension, out var address))
        {
            throw AreaAccess.Refused(AgentErrorCode.NotSupported);
        }

        var padded = BlankPadded.Label(label);
        var setLabel = (delegate* unmanaged[Cdecl]<CULong, byte*, CULong>)address;
        fixed (byte* p = padded)
        {
            Pkcs11Module.Check((CKR)setLabel(Pkcs11Module.Ulong(target.Slot(command.Area)), p).Value, SimulatorExtension);
        }

        return label;
    }
}

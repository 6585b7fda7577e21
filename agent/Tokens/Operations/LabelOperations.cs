using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Renaming a token. PKCS#11 has no call for it (C_InitToken would wipe the token), so it takes a vendor
/// extension of the module; where the module has none, the agent says so instead of pretending.
/// </summary>
internal static unsafe class LabelOperations
{
    /// <summary>The PKCS#11 simulator's extension: (CK_SLOT_ID, 32 blank-padded UTF-8 bytes) → CK_RV.</summary>
    public const string SimulatorExtension = "P11SIM_SetTokenLabel";

    /// <summary>
    /// Renames every area of the device the way vendor middleware labels virtual slots: the standard area gets the
    /// label, another area keeps its PIN-label suffix ("label (Digital Signature PIN)").
    /// </summary>
    public static string Rename(DeviceTarget target, TokenRename command)
    {
        var label = command.NewLabel.Trim();
        var labels = target.Device.Areas.ToDictionary(a => a.Kind, a => a.Kind == AreaKind.Standard ? label : label + Suffix(a.Label));
        if (DeviceModelCatalogue.IsReservedTokenLabel(label))
        {
            throw AreaAccess.Refused(AgentErrorCode.LabelNotAllowed);
        }

        if (label.Length == 0 || label.Any(char.IsControl) || labels.Values.Any(l => Encoding.UTF8.GetByteCount(l) > 32))
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        if (!target.Module.TryGetExport(SimulatorExtension, out var address))
        {
            throw AreaAccess.Refused(AgentErrorCode.NotSupported);
        }

        var setLabel = (delegate* unmanaged[Cdecl]<CULong, byte*, CULong>)address;
        foreach (var (area, areaLabel) in labels)
        {
            var padded = BlankPadded.Label(areaLabel);
            fixed (byte* p = padded)
            {
                Pkcs11Module.Check((CKR)setLabel(Pkcs11Module.Ulong(target.Slot(area)), p).Value, SimulatorExtension);
            }
        }

        return label;
    }

    private static string Suffix(string label)
    {
        var open = label.LastIndexOf(" (", StringComparison.Ordinal);
        return open > 0 && label.EndsWith(')') ? label[open..] : "";
    }
}

using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Renaming a token. PKCS#11 has no call for it (C_InitToken would wipe the token), so it takes a vendor
/// extension of the module; where the module has none, the agent says so instead of pretending.
/// </summary>
internal static class LabelOperations
{
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

        if (target.Module.Extensions.Renamer is not { } renamer)
        {
            throw AreaAccess.Refused(AgentErrorCode.NotSupported);
        }

        foreach (var (area, areaLabel) in labels)
        {
            renamer.Rename(target.Slot(area), areaLabel);
        }

        return label;
    }

    private static string Suffix(string label)
    {
        var open = label.LastIndexOf(" (", StringComparison.Ordinal);
        return open > 0 && label.EndsWith(')') ? label[open..] : "";
    }
}

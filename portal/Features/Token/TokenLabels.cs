using System.Text;
using System.Text.RegularExpressions;

namespace Qtsp.Portal.Features.Token;

/// <summary>Rules for a token's label: at most 32 bytes (PKCS#11), and the CA's advice: no diacritics, spaces or special characters.</summary>
public static partial class TokenLabels
{
    public const int MaxBytes = 32;

    /// <summary>
    /// How long the new name may be on this device: every area's label must fit in 32 bytes, and a qualified area
    /// keeps its PIN-label suffix (" (Digital Signature PIN)").
    /// </summary>
    public static int MaxBytesFor(IEnumerable<string> areaLabels) =>
        MaxBytes - areaLabels.Select(l => Encoding.UTF8.GetByteCount(l) - Encoding.UTF8.GetByteCount(Base(l))).DefaultIfEmpty(0).Max();

    /// <summary>A resource key naming what makes the label unusable, or null.</summary>
    public static string? Problem(string label, int maxBytes)
    {
        var trimmed = label.Trim();
        if (trimmed.Length == 0)
        {
            return "TokenCare.Rename.Empty";
        }

        if (Encoding.UTF8.GetByteCount(trimmed) > maxBytes)
        {
            return "TokenCare.Rename.TooLong";
        }

        if (Qtsp.Shared.Devices.DeviceModelCatalogue.IsReservedTokenLabel(trimmed))
        {
            return "TokenCare.Rename.Reserved";
        }

        return trimmed.Any(char.IsControl) ? "TokenCare.Rename.Invalid" : null;
    }

    public static bool FollowsAdvice(string label) => Advised().IsMatch(label.Trim());

    /// <summary>The label without a virtual-slot suffix such as " (Digital Signature PIN)".</summary>
    public static string Base(string label)
    {
        var open = label.LastIndexOf(" (", StringComparison.Ordinal);
        return open > 0 && label.EndsWith(')') ? label[..open] : label;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex Advised();
}

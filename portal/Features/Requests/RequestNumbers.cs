using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Requests;

/// <summary>Request IDs as the CA gives them: "BP" (qualified, seal) or "KC" (commercial) and 10 digits, not guessable.</summary>
public static partial class RequestNumbers
{
    public static string Prefix(CertificateType type) => type == CertificateType.Commercial ? "KC" : "BP";

    public static string New(CertificateType type) =>
        Prefix(type) + RandomNumberGenerator.GetInt32(0, 1_000_000_000).ToString("D9", System.Globalization.CultureInfo.InvariantCulture)
            + RandomNumberGenerator.GetInt32(0, 10).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsValid(string? number) => number is not null && Pattern().IsMatch(number);

    [GeneratedRegex("^(BP|KC)[0-9]{10}$")]
    private static partial Regex Pattern();
}

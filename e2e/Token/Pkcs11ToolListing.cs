using System.Text.RegularExpressions;

namespace Qtsp.E2E.Token;

/// <summary>Objects as `pkcs11-tool -O` lists them: the independent view of what is on a token.</summary>
public static partial class Pkcs11ToolListing
{
    public static (HashSet<(string Label, string Id)> PublicKeys, HashSet<string> CertificateIds) Parse(string output)
    {
        var keys = new HashSet<(string, string)>();
        var certificates = new HashSet<string>();
        foreach (var block in ObjectStart().Split(output).Skip(1).Chunk(2))
        {
            var kind = block[0];
            var label = LabelLine().Match(block[1]).Groups[1].Value.Trim();
            var id = IdLine().Match(block[1]).Groups[1].Value.Trim().ToUpperInvariant();
            if (kind == "Public Key")
            {
                keys.Add((label, id));
            }
            else if (kind == "Certificate")
            {
                certificates.Add(id);
            }
        }

        return (keys, certificates);
    }

    [GeneratedRegex(@"^(Public Key|Private Key|Certificate|Data|Secret Key) Object", RegexOptions.Multiline)]
    private static partial Regex ObjectStart();

    [GeneratedRegex(@"^\s*label:\s*(.*)$", RegexOptions.Multiline)]
    private static partial Regex LabelLine();

    [GeneratedRegex(@"^\s*ID:\s*([0-9a-fA-F]*)\s*$", RegexOptions.Multiline)]
    private static partial Regex IdLine();
}

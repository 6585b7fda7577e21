using System.Text.RegularExpressions;

namespace Qtsp.TestSupport;

/// <summary>One object as <c>pkcs11-tool -O</c> lists it. <see cref="Kind"/> is "Public Key", "Private Key", "Certificate", "Data" or "Secret Key"; <see cref="IdHex"/> is upper case ("" when not shown).</summary>
public sealed record Pkcs11ToolObject(string Kind, string Label, string IdHex);

/// <summary>Parses <c>pkcs11-tool -O</c> output: the independent view of what is on a token.</summary>
public static partial class Pkcs11ToolObjects
{
    public static IReadOnlyList<Pkcs11ToolObject> Parse(string output)
    {
        var objects = new List<Pkcs11ToolObject>();
        foreach (var block in ObjectStart().Split(output).Skip(1).Chunk(2))
        {
            var body = block.Length > 1 ? block[1] : "";
            var label = LabelLine().Match(body).Groups[1].Value.Trim();
            if (label.Length >= 2 && label[0] == '\'' && label[^1] == '\'')
            {
                label = label[1..^1]; // data objects quote their label
            }

            objects.Add(new Pkcs11ToolObject(block[0], label, IdLine().Match(body).Groups[1].Value.Trim().ToUpperInvariant()));
        }

        return objects;
    }

    [GeneratedRegex(@"^(Public Key|Private Key|Certificate|Data|Secret Key) [Oo]bject", RegexOptions.Multiline)]
    private static partial Regex ObjectStart();

    [GeneratedRegex(@"^\s*label:\s*(.*?)\s*$", RegexOptions.Multiline)]
    private static partial Regex LabelLine();

    [GeneratedRegex(@"^\s*ID:\s*([0-9a-fA-F]*)\s*$", RegexOptions.Multiline)]
    private static partial Regex IdLine();
}

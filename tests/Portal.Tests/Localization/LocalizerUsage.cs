using System.Text.RegularExpressions;

namespace Qtsp.Portal.Tests.Localization;

/// <summary>One <c>L[...]</c> in a source file: a literal key or an interpolated key template, with the number of format arguments passed.</summary>
internal sealed record LocalizerUsage(string File, int Line, string Key, bool Interpolated, int ArgumentCount)
{
    public override string ToString() => $"{File}:{Line} {(Interpolated ? "$" : "")}\"{Key}\"";
}

/// <summary>
/// Finds the localizer's uses in .razor and .cs sources: <c>L["Key"]</c>, <c>L["Key", arg, ...]</c> and <c>L[$"Prefix.{expression}"]</c>,
/// under whatever names the sources inject <c>IStringLocalizer</c> as.
/// </summary>
internal static partial class LocalizerUsageScanner
{
    public static IReadOnlyList<LocalizerUsage> Scan(string file, string text)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "L" };
        foreach (Match injection in Injection().Matches(text))
        {
            names.Add(injection.Groups["name"].Value);
        }

        var usages = new List<LocalizerUsage>();
        foreach (var name in names)
        {
            foreach (Match use in Use(name).Matches(text))
            {
                var interpolated = use.Groups["dollar"].Success;
                var keyStart = use.Index + use.Length;
                var keyEnd = text.IndexOf('"', keyStart);
                if (keyEnd < 0)
                {
                    throw new FormatException($"{file}: unterminated key after offset {keyStart}.");
                }

                var key = text[keyStart..keyEnd];
                var line = text.AsSpan(0, use.Index).Count('\n') + 1;
                usages.Add(new LocalizerUsage(file, line, key, interpolated, CountArguments(text, keyEnd + 1, file, line)));
            }
        }

        return usages;
    }

    /// <summary>Counts the top-level commas between the key and the closing bracket of the indexer.</summary>
    private static int CountArguments(string text, int position, string file, int line)
    {
        var depth = 0;
        var arguments = 0;
        for (var i = position; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '"':
                    i = SkipString(text, i, '"');
                    break;
                case '\'':
                    i = SkipString(text, i, '\'');
                    break;
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or '}':
                    depth--;
                    break;
                case ']':
                    if (depth == 0)
                    {
                        return arguments;
                    }

                    depth--;
                    break;
                case ',' when depth == 0:
                    arguments++;
                    break;
            }
        }

        throw new FormatException($"{file}:{line}: the localizer's indexer is not closed.");
    }

    private static int SkipString(string text, int start, char quote)
    {
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == quote)
            {
                return i;
            }
        }

        return text.Length;
    }

    private static Regex Use(string name) => new($@"(?<![\w.]){Regex.Escape(name)}\[\s*(?<dollar>\$)?""", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"(?:@inject\s+)?IStringLocalizer(?:<[\w.]+>)?\s+(?<name>\w+)")]
    private static partial Regex Injection();
}

using System.Text.RegularExpressions;
using System.Xml.Linq;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Localization;

/// <summary>The portal's texts as written in the repository: Strings.resx (Czech, neutral) and Strings.en.resx.</summary>
internal static partial class ResourceFiles
{
    public static string Directory => Path.Combine(RepositoryPaths.Root, "portal", "Resources");

    public static IReadOnlyList<KeyValuePair<string, string>> Entries(string fileName) =>
        XDocument.Load(Path.Combine(Directory, fileName))
            .Root!.Elements("data")
            .Where(d => d.Attribute("type") is null) // strings only
            .Select(d => KeyValuePair.Create(d.Attribute("name")!.Value, d.Element("value")?.Value ?? ""))
            .ToArray();

    public static IReadOnlyDictionary<string, string> Czech { get; } = Entries("Strings.resx").ToDictionary();

    public static IReadOnlyDictionary<string, string> English { get; } = Entries("Strings.en.resx").ToDictionary();

    /// <summary>The indexes of the composite-format placeholders ({0}, {1:N0}, {2,5}); escaped braces do not count.</summary>
    public static SortedSet<int> Placeholders(string text) =>
        [.. Placeholder().Matches(text.Replace("{{", "", StringComparison.Ordinal).Replace("}}", "", StringComparison.Ordinal))
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"\{(\d+)(?:,-?\d+)?(?::[^}]*)?\}")]
    private static partial Regex Placeholder();
}

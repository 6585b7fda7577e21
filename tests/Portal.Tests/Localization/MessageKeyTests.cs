using System.Reflection;
using System.Text.RegularExpressions;
using Qtsp.Portal.Features.Applicants;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Localization;

/// <summary>
/// Services name their messages by key (validation, refusals, database outage); the pages look them up. Every such key
/// written in the portal's C# code exists in both languages.
/// </summary>
public sealed partial class MessageKeyTests
{
    [Fact]
    public void Every_message_key_the_services_use_exists_in_both_languages()
    {
        var portal = Path.Combine(RepositoryPaths.Root, "portal");
        var keys = Directory.EnumerateFiles(portal, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => MessageKey().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .Distinct()
            .ToArray();
        var constants = typeof(InputRules).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .Where(v => MessageKey().IsMatch($"\"{v}\""))
            .ToArray();

        keys.Length.ShouldBeGreaterThan(20, "the scan finds the services' keys");
        keys.ShouldContain("Data.Unavailable");
        keys.ShouldContain("Support.Elevation.NotPermitted");
        constants.ShouldContain(InputRules.Markup);
        keys.Concat(constants).Where(k => !ResourceFiles.Czech.ContainsKey(k) || !ResourceFiles.English.ContainsKey(k)).ShouldBeEmpty();
    }

    [GeneratedRegex(@"""((?:Validation|Applicants|Support|Bindings|Access|Data|Login|Certificates|Requests)\.[A-Za-z][A-Za-z.]*)""")]
    private static partial Regex MessageKey();
}

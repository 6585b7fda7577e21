using System.Globalization;
using System.Xml.Linq;
using Qtsp.TestSupport;

namespace Qtsp.E2E.Infrastructure;

/// <summary>The portal's texts as its resource files hold them, to say what the browser must show.</summary>
public static class PortalTexts
{
    private static readonly Lazy<Dictionary<string, string>> CzechTexts = new(() => Load("Strings.resx"));
    private static readonly Lazy<Dictionary<string, string>> EnglishTexts = new(() => Load("Strings.en.resx"));

    public static string Czech(string key, params object[] arguments) => string.Format(CultureInfo.GetCultureInfo("cs"), CzechTexts.Value[key], arguments);

    public static string English(string key, params object[] arguments) => string.Format(CultureInfo.GetCultureInfo("en"), EnglishTexts.Value[key], arguments);

    private static Dictionary<string, string> Load(string file) =>
        XDocument.Load(Path.Combine(RepositoryPaths.Root, "portal", "Resources", file)).Root!.Elements("data")
            .ToDictionary(d => d.Attribute("name")!.Value, d => d.Element("value")!.Value);
}

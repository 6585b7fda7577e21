using System.Globalization;
using System.Resources;
using PortalLocalization = Qtsp.Portal.Infrastructure.Localization;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Tests.Support;

/// <summary>The portal's texts straight from its resources, to say what a rendered page must show.</summary>
internal static class Texts
{
    private static readonly ResourceManager Resources = new("Qtsp.Portal.Resources.Strings", typeof(Strings).Assembly);

    public static TheoryData<string> CultureNames() => [.. PortalLocalization.Supported.Select(c => c.Name)];

    public static CultureInfo Culture(string name) => CultureInfo.GetCultureInfo(name);

    public static string Get(string key, CultureInfo culture) =>
        Resources.GetString(key, culture) ?? throw new KeyNotFoundException($"No text '{key}' for {culture.Name}.");

    public static string Format(string key, CultureInfo culture, params object[] arguments) =>
        string.Format(culture, Get(key, culture), arguments);
}

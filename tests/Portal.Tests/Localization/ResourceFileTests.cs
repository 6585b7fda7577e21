using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Tests.Localization;

public sealed partial class ResourceFileTests
{
    [Theory]
    [InlineData("Strings.resx")]
    [InlineData("Strings.en.resx")]
    public void Every_key_is_unique_and_has_a_text(string fileName)
    {
        var entries = ResourceFiles.Entries(fileName);

        entries.Count.ShouldBeGreaterThan(50);
        entries.Select(e => e.Key).ShouldBeUnique();
        entries.Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => e.Key).ShouldBeEmpty();
        entries.Where(e => e.Value != e.Value.Trim()).Select(e => e.Key).ShouldBeEmpty("texts with leading or trailing white space");
    }

    [Fact]
    public void Both_languages_have_the_same_keys()
    {
        ResourceFiles.Czech.Keys.Except(ResourceFiles.English.Keys).ShouldBeEmpty("keys missing in Strings.en.resx");
        ResourceFiles.English.Keys.Except(ResourceFiles.Czech.Keys).ShouldBeEmpty("keys missing in Strings.resx");
    }

    [Fact]
    public void Placeholders_match_between_the_languages_and_format()
    {
        foreach (var (key, czech) in ResourceFiles.Czech)
        {
            var english = ResourceFiles.English.GetValueOrDefault(key, "");
            var placeholders = ResourceFiles.Placeholders(czech);

            ResourceFiles.Placeholders(english).ShouldBe(placeholders, $"{key}: cs '{czech}' vs en '{english}'");
            // Numbered from {0} without gaps, and well-formed for string.Format in both languages.
            placeholders.ShouldBe(Enumerable.Range(0, placeholders.Count), key);
            var arguments = Enumerable.Range(0, placeholders.Count).Select(i => (object)$"<{i}>").ToArray();
            Should.NotThrow(() => string.Format(CultureInfo.InvariantCulture, czech, arguments), key);
            Should.NotThrow(() => string.Format(CultureInfo.InvariantCulture, english, arguments), key);
        }
    }

    [Fact]
    public void Czech_texts_are_czech_and_english_texts_are_english()
    {
        var keys = ResourceFiles.Czech.Keys.ToArray();
        var same = keys.Where(k => ResourceFiles.Czech[k] == ResourceFiles.English[k]).ToArray();

        // Only language-neutral tokens (PIN, QSCD, ID...) may be the same in both languages.
        same.Length.ShouldBeLessThan(keys.Length / 10, string.Join(", ", same));
        same.Select(k => ResourceFiles.Czech[k]).ShouldAllBe(text => text.Length <= 5 && !text.Any(char.IsLower));

        var withCzechLetters = keys.Count(k => CzechLetter().IsMatch(ResourceFiles.Czech[k]));
        withCzechLetters.ShouldBeGreaterThan(keys.Length / 2);
        keys.Where(k => CzechLetter().IsMatch(ResourceFiles.English[k])).ShouldBeEmpty("English texts with Czech letters");
    }

    /// <summary>The built satellite assembly and the neutral resources deliver what the files say, through the localizer the components use.</summary>
    [Fact]
    public void The_localizer_serves_each_language_from_the_built_resources()
    {
        using var services = new ServiceCollection().AddLogging().AddLocalization().BuildServiceProvider();
        var localizer = services.GetRequiredService<IStringLocalizer<Strings>>();
        var original = CultureInfo.CurrentUICulture;
        try
        {
            foreach (var (culture, expected) in new[] { ("cs", ResourceFiles.Czech), ("en", ResourceFiles.English), ("en-GB", ResourceFiles.English), ("de", ResourceFiles.Czech) })
            {
                CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
                foreach (var (key, text) in expected)
                {
                    var localized = localizer[key];
                    localized.ResourceNotFound.ShouldBeFalse($"{culture}: {key}");
                    localized.Value.ShouldBe(text, $"{culture}: {key}");
                }
            }
        }
        finally
        {
            CultureInfo.CurrentUICulture = original;
        }
    }

    [GeneratedRegex("[ěščřžýáíéůúťďňóĚŠČŘŽÝÁÍÉŮÚŤĎŇÓ]")]
    private static partial Regex CzechLetter();
}

using System.Globalization;
using System.Text;

namespace Qtsp.Portal.Data;

/// <summary>
/// The form names are compared in when searching: lower case, without diacritics, single spaces, letters and digits
/// only ("Čapková-Nováková  Jana" → "capkova novakova jana"). Stored beside the names and indexed, so a prefix search
/// is an index range scan on every provider.
/// </summary>
public static class SearchText
{
    /// <summary>Greater than every character a normalised text can hold: the exclusive upper bound of a prefix range.</summary>
    public const char UpperBound = '\u007f';

    public static string Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            var lower = char.ToLowerInvariant(c);
            var kept = lower switch
            {
                >= 'a' and <= 'z' or >= '0' and <= '9' => lower.ToString(),
                'ł' => "l",
                'ß' => "ss",
                'ø' => "o",
                'æ' => "ae",
                _ => null,
            };
            if (kept is null)
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace && builder.Length > 0)
            {
                builder.Append(' ');
            }

            pendingSpace = false;
            builder.Append(kept);
        }

        return builder.ToString();
    }

    /// <summary>The exclusive upper bound of the range of texts that start with <paramref name="prefix"/>.</summary>
    public static string PrefixEnd(string prefix) => prefix + UpperBound;
}

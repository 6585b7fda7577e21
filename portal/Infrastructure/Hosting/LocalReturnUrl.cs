using System.Text;

namespace Qtsp.Portal.Infrastructure.Hosting;

/// <summary>Where a page may send the browser back to after signing in or switching the language.</summary>
public static class LocalReturnUrl
{
    public const int MaxLength = 2048;

    /// <summary>
    /// <paramref name="url"/> when it is a path inside the portal, with any non-ASCII character percent-encoded (a
    /// Location header carries ASCII only); null for another site ("//evil", "/\evil"), whitespace or control characters
    /// (browsers drop tabs and newlines, so "/\t/evil.example" is "//evil.example" to them).
    /// </summary>
    public static string? Of(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > MaxLength || url[0] != '/' || (url.Length > 1 && (url[1] == '/' || url[1] == '\\'))
            || url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return null;
        }

        if (url.All(char.IsAscii))
        {
            return url;
        }

        var encoded = new StringBuilder(url.Length * 3);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in url.EnumerateRunes())
        {
            if (rune.IsAscii)
            {
                encoded.Append((char)rune.Value);
                continue;
            }

            foreach (var b in bytes[..rune.EncodeToUtf8(bytes)])
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}

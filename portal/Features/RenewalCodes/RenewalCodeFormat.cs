using System.Security.Cryptography;
using System.Text;

namespace Qtsp.Portal.Features.RenewalCodes;

/// <summary>
/// A renewal code as people read, type and dictate it: 20 characters of Crockford's base32 (no I, L, O, U), 100 random
/// bits, shown in four groups of five ("7KQ2M-…"). Typing is forgiving: case, spaces and dashes do not matter, and O, I
/// and L are read as 0, 1 and 1.
/// </summary>
public static class RenewalCodeFormat
{
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    public const int Length = 20;
    public const int GroupLength = 5;

    /// <summary>Bits of entropy in a code: 5 per character.</summary>
    public const int EntropyBits = Length * 5;

    /// <summary>Longest input worth looking at (the code with separators and some spaces).</summary>
    public const int MaxInputLength = 64;

    public static string New()
    {
        Span<char> code = stackalloc char[Length];
        for (var i = 0; i < Length; i++)
        {
            code[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return Grouped(new string(code));
    }

    /// <summary>The canonical form (20 upper-case characters without separators), or null when the input cannot be a code.</summary>
    public static string? Normalise(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > MaxInputLength)
        {
            return null;
        }

        var code = new StringBuilder(Length);
        foreach (var raw in input)
        {
            if (raw is '-' || char.IsWhiteSpace(raw))
            {
                continue;
            }

            var c = char.ToUpperInvariant(raw) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var other => other,
            };
            if (!Alphabet.Contains(c, StringComparison.Ordinal) || code.Length == Length)
            {
                return null;
            }

            code.Append(c);
        }

        return code.Length == Length ? code.ToString() : null;
    }

    public static string Grouped(string normalised)
    {
        ArgumentNullException.ThrowIfNull(normalised);
        return string.Join('-', Enumerable.Range(0, normalised.Length / GroupLength).Select(i => normalised.Substring(i * GroupLength, GroupLength)));
    }
}

using System.Security.Cryptography;
using System.Text;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Recovery codes as the database keeps them: each one a salted PBKDF2-SHA256 hash, never the code. A code is compared
/// as people type it (case, spaces and hyphens do not matter).
/// </summary>
public static class RecoveryCodeHashes
{
    public const string Prefix = "h1;";
    private const int SaltLength = 16;
    private const int HashLength = 32;
    private const int Iterations = 100_000;
    private const int MaxCodeLength = 64;

    public static string Hash(IEnumerable<string> codes) =>
        Prefix + string.Join(';', codes.Select(code => Convert.ToBase64String(HashOne(Normalize(code), RandomNumberGenerator.GetBytes(SaltLength)))));

    public static bool IsHashed(string? stored) => stored is not null && stored.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>How many unused codes <paramref name="stored"/> holds (none when it is not in the hashed form).</summary>
    public static int Count(string? stored) => Entries(stored).Count;

    /// <summary>The stored value without <paramref name="code"/>, or null when <paramref name="code"/> is none of its codes.</summary>
    public static string? Remove(string? stored, string? code)
    {
        var entries = Entries(stored);
        if (code is null || code.Length > MaxCodeLength || entries.Count == 0)
        {
            return null;
        }

        var typed = Normalize(code);
        var match = -1;
        for (var i = 0; i < entries.Count; i++)
        {
            // Every entry is checked: the time taken does not tell which code (or whether one) matched.
            var entry = entries[i];
            if (entry.Length == SaltLength + HashLength
                && CryptographicOperations.FixedTimeEquals(HashOne(typed, entry[..SaltLength]), entry))
            {
                match = i;
            }
        }

        if (match < 0)
        {
            return null;
        }

        entries.RemoveAt(match);
        return Prefix + string.Join(';', entries.Select(Convert.ToBase64String));
    }

    private static List<byte[]> Entries(string? stored)
    {
        if (!IsHashed(stored))
        {
            return [];
        }

        var entries = new List<byte[]>();
        foreach (var part in stored![Prefix.Length..].Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = new byte[SaltLength + HashLength];
            if (Convert.TryFromBase64String(part, bytes, out var written) && written == bytes.Length)
            {
                entries.Add(bytes);
            }
        }

        return entries;
    }

    private static byte[] HashOne(string normalizedCode, byte[] salt)
    {
        var result = new byte[SaltLength + HashLength];
        salt.CopyTo(result, 0);
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(normalizedCode), salt, result.AsSpan(SaltLength), Iterations, HashAlgorithmName.SHA256);
        return result;
    }

    private static string Normalize(string code) =>
        new string(code.Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray()).ToUpperInvariant();
}

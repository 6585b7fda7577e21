using System.Security.Cryptography;

namespace Qtsp.TestSupport;

/// <summary>An authenticator app of our own (RFC 6238: HMAC-SHA1, 30 s, 6 digits over a base32 key), independent of Identity's code.</summary>
public static class Totp
{
    public static string Code(string base32Key, DateTimeOffset at)
    {
        var key = Base32(base32Key);
        var counter = at.ToUnixTimeSeconds() / 30;
        Span<byte> message = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(message, counter);
#pragma warning disable CA5350 // TOTP as authenticator apps compute it (RFC 6238's default): HMAC-SHA1 is what they use.
        var hash = HMACSHA1.HashData(key, message);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var value = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (value % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Code(string base32Key) => Code(base32Key, DateTimeOffset.UtcNow);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> LastStepHandedOut = new(StringComparer.Ordinal);

    /// <summary>
    /// The current code, unless this process handed out the current time step's code for the key before: then, as a person
    /// does, it waits for the app's next code (the portal accepts each code once).
    /// </summary>
    public static async Task<string> UnusedCodeAsync(string base32Key)
    {
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            var step = now.ToUnixTimeSeconds() / 30;
            var last = LastStepHandedOut.GetOrAdd(base32Key, long.MinValue);
            if (step > last)
            {
                if (LastStepHandedOut.TryUpdate(base32Key, step, last))
                {
                    return Code(base32Key, now);
                }

                continue;
            }

            await Task.Delay(TimeSpan.FromMilliseconds((((step + 1) * 30) - now.ToUnixTimeMilliseconds() / 1000.0) * 1000 + 100));
        }
    }

    /// <summary>A code that is certainly wrong now (the neighbouring time steps' codes are accepted by Identity).</summary>
    public static string WrongCode(string base32Key)
    {
        var now = DateTimeOffset.UtcNow;
        var near = Enumerable.Range(-3, 7).Select(i => Code(base32Key, now.AddSeconds(30 * i))).ToHashSet();
        return Enumerable.Range(0, 1000).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !near.Contains(c));
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var clean = text.Replace(" ", "", StringComparison.Ordinal).TrimEnd('=').ToUpperInvariant();
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in clean)
        {
            buffer = (buffer << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bytes.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. bytes];
    }
}

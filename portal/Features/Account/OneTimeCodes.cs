using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Confirmation codes from an account's authenticator app (RFC 6238, as Identity's authenticator provider computes them),
/// each accepted once: the accepted time step is stored in <see cref="PortalUser.LastTotpTimeStep"/> in the same
/// conditional update that accepts it, and a code of that step or an older one is refused afterwards — a code seen over a
/// shoulder or replayed cannot authorise a second action. Wrong codes count towards Identity's lock-out.
/// </summary>
public sealed class OneTimeCodes(IServiceScopeFactory scopes, DataAccess data, TimeProvider time)
{
    /// <summary>Time steps either side of now a code is accepted from (clock drift of the phone): a code is good for 30–60 s, never more.</summary>
    public const int AllowedDrift = 1;

    /// <summary>Whether the account has an authenticator enrolled.</summary>
    public async Task<bool> IsEnrolledAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId).ConfigureAwait(false);
        return user is not null && user.TwoFactorEnabled && !string.IsNullOrEmpty(await users.GetAuthenticatorKeyAsync(user).ConfigureAwait(false));
    }

    /// <summary>True when <paramref name="code"/> is the account's current code and no code of its step or a later one was accepted before.</summary>
    public async Task<bool> VerifyOnceAsync(string userId, string? code)
    {
        var digits = TotpCode.Normalize(code);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId).ConfigureAwait(false);
        if (user is null || await users.IsLockedOutAsync(user).ConfigureAwait(false))
        {
            return false;
        }

        var key = await users.GetAuthenticatorKeyAsync(user).ConfigureAwait(false);
        var step = digits is null || string.IsNullOrEmpty(key) ? null : MatchingStep(key, digits, time.GetUtcNow());
        if (step is long accepted && await TakeStepAsync(data, userId, accepted).ConfigureAwait(false))
        {
            return true;
        }

        await users.AccessFailedAsync(user).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Records <paramref name="step"/> as the account's last accepted one unless it or a later one was accepted before. Only
    /// one request can move the step past its old value: a replay racing the first use loses here.
    /// </summary>
    internal static async Task<bool> TakeStepAsync(DataAccess data, string userId, long step) =>
        await data.RunAsync(db => db.Users
            .Where(u => u.Id == userId && (u.LastTotpTimeStep == null || u.LastTotpTimeStep < step))
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.LastTotpTimeStep, step))).ConfigureAwait(false) == 1;

    /// <summary>The time step whose code is <paramref name="digits"/>, within <see cref="AllowedDrift"/> of <paramref name="now"/>.</summary>
    internal static long? MatchingStep(string base32Key, string digits, DateTimeOffset now)
    {
        var key = Base32(base32Key);
        if (key.Length == 0)
        {
            return null;
        }

        var current = now.ToUnixTimeSeconds() / 30;
        long? found = null;
        for (var step = current - AllowedDrift; step <= current + AllowedDrift; step++)
        {
            // Every step is computed and compared in constant time: the answer does not tell which one matched.
            if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(Code(key, step)), System.Text.Encoding.ASCII.GetBytes(digits)))
            {
                found = step;
            }
        }

        return found;
    }

    private static string Code(byte[] key, long step)
    {
        Span<byte> message = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(message, step);
#pragma warning disable CA5350 // RFC 6238 as authenticator apps compute it: HMAC-SHA1.
        var hash = HMACSHA1.HashData(key, message);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var value = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (value % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    private static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.Replace(" ", "", StringComparison.Ordinal).TrimEnd('=').ToUpperInvariant())
        {
            var index = alphabet.IndexOf(c, StringComparison.Ordinal);
            if (index < 0)
            {
                return [];
            }

            buffer = (buffer << 5) | index;
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

using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Account;

/// <summary>A challenge for the sign-in page: the nonce the token signs, and the same nonce sealed for the page to post back.</summary>
public sealed record IssuedChallenge(byte[] Nonce, string Sealed);

/// <summary>Why an answered challenge is not taken.</summary>
public enum ChallengeRefusal
{
    /// <summary>Not a challenge this portal sealed (altered, or from elsewhere).</summary>
    Invalid,

    /// <summary>Older than <see cref="TokenChallenges.Lifetime"/>.</summary>
    Expired,

    /// <summary>Answered before: each challenge signs in once.</summary>
    Replayed,
}

/// <summary>
/// Sign-in challenges for the token (the agent signs SHA-256(origin) || SHA-256(nonce)). Issuing one stores nothing: the
/// page carries the nonce sealed by Data Protection with the time it was issued. Spending one records the nonce's hash
/// in the database first, so a challenge answers once across every portal instance, however often its answer is posted.
/// </summary>
public sealed class TokenChallenges(IDataProtectionProvider protection, DataAccess data, TimeProvider time)
{
    public const int NonceLength = 32;

    /// <summary>How long a page may take from showing the challenge to posting the token's answer (PIN typing included).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly IDataProtector _protector = protection.CreateProtector("Qtsp.Portal.TokenSignIn.Challenge.v1");

    public IssuedChallenge Issue()
    {
        var nonce = RandomNumberGenerator.GetBytes(NonceLength);
        var payload = new byte[sizeof(long) + NonceLength];
        BinaryPrimitives.WriteInt64BigEndian(payload, time.GetUtcNow().UtcTicks);
        nonce.CopyTo(payload, sizeof(long));
        return new IssuedChallenge(nonce, WebEncoders.Base64UrlEncode(_protector.Protect(payload)));
    }

    /// <summary>Takes a posted challenge once: its nonce, or why not. A challenge is spent even when the answer then fails.</summary>
    public async Task<(byte[]? Nonce, ChallengeRefusal? Refusal)> SpendAsync(string? sealedChallenge)
    {
        byte[] payload;
        try
        {
            payload = _protector.Unprotect(WebEncoders.Base64UrlDecode(sealedChallenge ?? ""));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return (null, ChallengeRefusal.Invalid);
        }

        if (payload.Length != sizeof(long) + NonceLength)
        {
            return (null, ChallengeRefusal.Invalid);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var issuedAt = new DateTime(BinaryPrimitives.ReadInt64BigEndian(payload), DateTimeKind.Utc);
        if (issuedAt > now.AddMinutes(1) || now - issuedAt > Lifetime)
        {
            return (null, ChallengeRefusal.Expired);
        }

        var nonce = payload[sizeof(long)..];
        var spent = new SpentChallenge { NonceSha256 = Convert.ToHexString(SHA256.HashData(nonce)), ExpiresAtUtc = issuedAt + Lifetime };
        try
        {
            await data.RunAsync(async db =>
            {
                // Challenges past their lifetime are refused above: their records have done their work.
                await db.SpentChallenges.Where(c => c.ExpiresAtUtc < now).ExecuteDeleteAsync().ConfigureAwait(false);
                db.SpentChallenges.Add(spent);
                await db.SaveChangesAsync().ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (DbUpdateException exception) when (DataAccess.IsUniqueViolation(exception))
        {
            return (null, ChallengeRefusal.Replayed);
        }

        return (nonce, null);
    }
}

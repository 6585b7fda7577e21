using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Revocation;

/// <summary>
/// The revocation password a holder chooses (or is given) when the request is made: whoever knows it may revoke the
/// certificate without signing in (a lost or stolen device). Only its slow salted hash is kept — Identity's PBKDF2
/// (HMAC-SHA512, a random salt per hash) at 210,000 iterations — never the password.
/// </summary>
public static class RevocationPasswords
{
    public const int MinLength = 12;
    public const int MaxLength = 128;
    public const int GeneratedLength = 16;
    public const int Iterations = 210_000;

    /// <summary>Letters and digits nobody confuses when reading them off paper: no 0/O, 1/l/I.</summary>
    public const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    private static readonly PasswordHasher<object> Hasher = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = Iterations,
    }));

    private static readonly object Nobody = new();

    /// <summary>A hash nothing matches: verified against when no certificate matched, so that answer takes as long as any other.</summary>
    private static readonly Lazy<string> Dummy = new(() => Hash(Generate()));

    public static string Generate() => RandomNumberGenerator.GetString(Alphabet, GeneratedLength);

    public static string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return Hasher.HashPassword(Nobody, password);
    }

    public static bool Verify(string? hash, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (string.IsNullOrEmpty(hash))
        {
            Hasher.VerifyHashedPassword(Nobody, Dummy.Value, password);
            return false;
        }

        try
        {
            return Hasher.VerifyHashedPassword(Nobody, hash, password) != PasswordVerificationResult.Failed;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>One verification against a hash nothing matches (always false).</summary>
    public static bool VerifyDummy(string password) => Verify(null, password);

    public static IReadOnlyList<FieldError> Problems(string field, string? password) => password switch
    {
        null or "" => [new FieldError(field, "Validation.Required")],
        { Length: < MinLength } => [new FieldError(field, "Revocation.Password.TooShort", MinLength)],
        { Length: > MaxLength } => [new FieldError(field, "Validation.TooLong", MaxLength)],
        _ => [],
    };
}

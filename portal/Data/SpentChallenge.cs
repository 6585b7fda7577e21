namespace Qtsp.Portal.Data;

/// <summary>
/// A sign-in challenge a token has answered (its nonce's SHA-256): a second answer to the same challenge is a replay.
/// Kept until the challenge would have expired anyway; in the database, so every portal instance refuses the replay.
/// </summary>
public sealed class SpentChallenge
{
    public const int HashLength = 64;

    public required string NonceSha256 { get; set; }

    public DateTime ExpiresAtUtc { get; set; }
}

namespace Qtsp.Portal.Data;

/// <summary>
/// Failed attempts counted against one key (an account, a certificate, an address — hashed, never the raw value) in a
/// window, and the lock-out they led to. Kept in the database so every portal instance counts the same tries.
/// </summary>
public sealed class Throttle
{
    public const int KeyMaxLength = 100;

    public required string Key { get; set; }

    public int Failures { get; set; }

    public DateTime WindowStartUtc { get; set; }

    public DateTime? LockedUntilUtc { get; set; }
}

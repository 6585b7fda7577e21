namespace Qtsp.Portal.Data;

/// <summary>An e-mail to send, written in the same transaction as the change it tells about; a background sender delivers it.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>What the message is about, e.g. "support.session.opened".</summary>
    public required string Kind { get; set; }

    public required string Recipient { get; set; }

    public required string Subject { get; set; }

    public required string Body { get; set; }

    public DateTime CreatedAtUtc { get; set; }

    public int Attempts { get; set; }

    public DateTime NextAttemptAtUtc { get; set; }

    /// <summary>Set while one instance is delivering it, so that no other instance sends it twice.</summary>
    public DateTime? LockedUntilUtc { get; set; }

    public DateTime? SentAtUtc { get; set; }

    /// <summary>The last delivery failure (the error's type and message; never message content).</summary>
    public string? LastError { get; set; }
}

namespace Qtsp.Portal.Data;

/// <summary>A support staff member acting as a customer: time-limited, with a reason, recorded.</summary>
public sealed class SupportSession
{
    public long Id { get; set; }

    public required string StaffUserId { get; set; }

    public required string StaffUserName { get; set; }

    public required string CustomerUserId { get; set; }

    public required string CustomerUserName { get; set; }

    /// <summary>Why the session was opened: the ticket reference.</summary>
    public required string Reason { get; set; }

    public DateTime StartedAtUtc { get; set; }

    public DateTime ExpiresAtUtc { get; set; }

    public DateTime? EndedAtUtc { get; set; }

    public SupportSessionEnd? EndReason { get; set; }

    public string? SourceAddress { get; set; }

    /// <summary>The staff member's sign-in (browser) the session belongs to: another sign-in of the same account is not inside it.</summary>
    public long? SignInSessionId { get; set; }

    public bool IsOpenAt(DateTime utc) => EndedAtUtc is null && utc < ExpiresAtUtc;
}

public enum SupportSessionEnd
{
    /// <summary>The staff member ended it.</summary>
    Ended,

    /// <summary>The time limit ran out.</summary>
    Expired,
}

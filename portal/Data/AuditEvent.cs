namespace Qtsp.Portal.Data;

/// <summary>One recorded state change: who did what, on whose behalf, when and from where.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTime OccurredAtUtc { get; set; }

    /// <summary>The signed-in person who acted (for support sessions: the staff member).</summary>
    public required string Actor { get; set; }

    /// <summary>The customer a support session acted as, when different from <see cref="Actor"/>.</summary>
    public string? OnBehalfOf { get; set; }

    /// <summary>A stable action name, e.g. "applicant.blocked".</summary>
    public required string Action { get; set; }

    /// <summary>What the action was about, e.g. "applicant:42".</summary>
    public string? Subject { get; set; }

    public string? SourceAddress { get; set; }

    /// <summary>Further facts as JSON; never secrets.</summary>
    public string? Details { get; set; }

    /// <summary>The support session the action was taken in (its reason names the ticket).</summary>
    public long? SupportSessionId { get; set; }
}

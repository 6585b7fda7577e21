namespace Qtsp.Portal.AgentBridge;

/// <summary>
/// Decides whether this circuit may reach the user's agent at all. A support session, for instance, must not:
/// the device is at the customer's PC, not at the staff member's.
/// </summary>
public interface IAgentLinkPolicy
{
    /// <summary>True when the page may connect to the agent.</summary>
    bool LinkAllowed { get; }

    /// <summary>The signed-in account whose sign-in the link follows (<see cref="AgentLinks"/>); null when no one is signed in.</summary>
    string? SignedInAccount { get; }
}

/// <summary>The default: every signed-in user's own page may reach their own agent.</summary>
public sealed class AllowAgentLink : IAgentLinkPolicy
{
    public bool LinkAllowed => true;

    public string? SignedInAccount => null;
}

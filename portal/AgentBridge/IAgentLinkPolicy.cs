namespace Qtsp.Portal.AgentBridge;

/// <summary>
/// Decides whether this circuit may reach the user's agent at all. A support session, for instance, must not:
/// the device is at the customer's PC, not at the staff member's.
/// </summary>
public interface IAgentLinkPolicy
{
    /// <summary>
    /// Whether the page may connect to the agent, and the signed-in account whose sign-in the link follows
    /// (<see cref="AgentLinks"/>). Asked asynchronously: it may need the database, and the circuit's thread must not wait on it.
    /// </summary>
    Task<AgentLinkDecision> DecideAsync();
}

/// <param name="Allowed">True when the page may connect to the agent.</param>
/// <param name="Account">The account whose sign-in the link follows; null when no one is signed in.</param>
public sealed record AgentLinkDecision(bool Allowed, string? Account);

/// <summary>The default: every signed-in user's own page may reach their own agent.</summary>
public sealed class AllowAgentLink : IAgentLinkPolicy
{
    public Task<AgentLinkDecision> DecideAsync() => Task.FromResult(new AgentLinkDecision(true, null));
}

namespace Qtsp.Portal.AgentBridge;

/// <summary>How the page's link to the agent on the user's PC stands.</summary>
public enum AgentConnectionState
{
    /// <summary>Not started yet (the page has not rendered interactively).</summary>
    Idle,

    Connecting,

    Connected,

    /// <summary>Nothing answers at the agent's address: it is not installed or not running.</summary>
    NotRunning,

    /// <summary>The agent answers but refuses this portal's origin.</summary>
    OriginRefused,

    /// <summary>The agent speaks another protocol revision and must be updated.</summary>
    Incompatible,

    /// <summary>This session may not reach an agent (e.g. support staff acting as a customer).</summary>
    Disabled,
}

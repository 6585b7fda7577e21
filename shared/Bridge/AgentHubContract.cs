namespace Qtsp.Shared.Bridge;

/// <summary>Names shared by the agent's hub and the portal's bridge, so neither side spells them on its own.</summary>
public static class AgentHubContract
{
    public const string Path = "/hub";

    /// <summary>The protocol revision; the portal refuses an agent that speaks another one.</summary>
    public const int ProtocolVersion = 1;

    // client → agent
    public const string GetAgentInfo = nameof(GetAgentInfo);
    public const string GetDevices = nameof(GetDevices);
    public const string GetTokenInfo = nameof(GetTokenInfo);

    // agent → client
    public const string DevicesChanged = nameof(DevicesChanged);
}

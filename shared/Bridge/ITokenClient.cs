namespace Qtsp.Shared.Bridge;

/// <summary>What the agent's hub sends to a connected page (the method names are <see cref="AgentHubContract"/>'s).</summary>
public interface ITokenClient
{
    /// <summary>The devices as this page may see them now (<see cref="AgentHubContract.DevicesChanged"/>).</summary>
    Task DevicesChanged(IReadOnlyList<DeviceSnapshot> devices);

    /// <summary>How far a long operation this page started is (<see cref="AgentHubContract.OperationProgress"/>).</summary>
    Task OperationProgress(string? operationId, OperationStage stage);
}

using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>Who asked for an operation: the hub connection, and the page origin the agent took from that connection.</summary>
/// <param name="ConnectionId">The SignalR connection; a viewing login belongs to one.</param>
/// <param name="Origin">The Origin header of the connection's own request (never a value the caller chose).</param>
internal sealed record OperationCaller(string ConnectionId, string Origin);

/// <summary>
/// What a running device operation gets: who asked, its cancellation, a way to tell the page how far it is, and the
/// agent-wide login and throttling state every secret goes through.
/// </summary>
internal sealed class OperationScope(
    OperationCaller caller,
    LoginSessions logins,
    SecretThrottle throttle,
    Action<OperationStage> report,
    CancellationToken cancellation)
{
    public OperationCaller Caller => caller;

    public LoginSessions Logins => logins;

    public SecretThrottle Throttle => throttle;

    public CancellationToken Cancellation => cancellation;

    public void Stage(OperationStage stage)
    {
        cancellation.ThrowIfCancellationRequested();
        report(stage);
    }

    public void ThrowIfCancelled() => cancellation.ThrowIfCancellationRequested();
}

/// <summary>An operation stopped with a reason the page can explain (not a PKCS#11 failure).</summary>
internal sealed class OperationRefusedException(AgentError error) : Exception(error.Code.ToString())
{
    public AgentError Error { get; } = error;
}

using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>What a running device operation gets: its cancellation and a way to tell the page how far it is.</summary>
internal sealed class OperationScope(Action<OperationStage> report, CancellationToken cancellation)
{
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

using System.Reflection;
using Microsoft.AspNetCore.SignalR;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Bridge;

/// <summary>
/// A hub call that fails outside a device operation (a null command, a field of the wrong shape) is the caller's
/// mistake, not the agent's: it answers with InvalidInput in the usual envelope and logs one line with the method and
/// the error's type — no stack trace, and never the arguments (they may carry PINs).
/// </summary>
internal sealed partial class MalformedCallFilter(ILogger<MalformedCallFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && EnvelopeType(invocationContext.HubMethod) is { } envelope)
        {
            LogMalformed(logger, invocationContext.HubMethodName, e.GetType().Name);
            return Activator.CreateInstance(envelope, null, new AgentError(AgentErrorCode.InvalidInput));
        }
    }

    /// <summary>AgentResult&lt;T&gt; for methods returning Task&lt;AgentResult&lt;T&gt;&gt;.</summary>
    private static Type? EnvelopeType(MethodInfo method) =>
        method.ReturnType is { IsGenericType: true } task && task.GetGenericTypeDefinition() == typeof(Task<>)
        && task.GetGenericArguments()[0] is { IsGenericType: true } result && result.GetGenericTypeDefinition() == typeof(AgentResult<>)
            ? result
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub call {Method} refused: malformed ({Error})")]
    private static partial void LogMalformed(ILogger logger, string method, string error);
}

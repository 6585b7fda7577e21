using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Qtsp.Agent.Tray;

namespace Qtsp.Agent.Bridge;

/// <summary>
/// The holder's pause from the tray reaches pages already connected, not only new ones (<see cref="RequestGuard"/>
/// refuses those): pausing closes every open hub connection, and a call that races the pause is refused.
/// </summary>
internal sealed class PauseFilter : IHubFilter
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new(StringComparer.Ordinal);
    private readonly TrayStatus _status;

    public PauseFilter(TrayStatus status)
    {
        _status = status;
        status.Changed += CloseAllWhenPaused;
    }

    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        _connections[context.Context.ConnectionId] = context.Context;
        if (_status.Paused)
        {
            context.Context.Abort();
        }

        await next(context).ConfigureAwait(false);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        _connections.TryRemove(context.Context.ConnectionId, out _);
        await next(context, exception).ConfigureAwait(false);
    }

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (_status.Paused)
        {
            invocationContext.Context.Abort();
            throw new HubException("The holder paused the token agent.");
        }

        return next(invocationContext);
    }

    private void CloseAllWhenPaused()
    {
        if (!_status.Paused)
        {
            return;
        }

        foreach (var connection in _connections.Values)
        {
            connection.Abort();
        }
    }
}

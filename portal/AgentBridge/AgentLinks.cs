using System.Collections.Concurrent;

namespace Qtsp.Portal.AgentBridge;

/// <summary>
/// The open agent links of every signed-in account on this portal instance. A link lives as long as the sign-in of the
/// page that opened it: signing out, the sign-in's idle end and the start of a support session close the links of every
/// page of that account, including pages opened before (the agent then ends their token logins, which belong to the
/// link's connection). Links live in the browser, so a closed link needs no portal instance to be reached again.
/// </summary>
public sealed class AgentLinks
{
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<AgentBridge, string> _links = new();

    public IDisposable Register(string account, AgentBridge bridge)
    {
        _links[bridge] = account;
        return new Registration(() => _links.TryRemove(bridge, out _));
    }

    /// <summary>Closes the agent link of every page of <paramref name="account"/>; each page then shows the link as off.</summary>
    public async Task CloseAllOfAsync(string account)
    {
        var closing = _links.Where(l => l.Value == account).Select(l => l.Key).ToArray();
        foreach (var bridge in closing)
        {
            _links.TryRemove(bridge, out _);
        }

        // A page whose browser has gone away may never answer; signing out does not wait for it longer than this.
        await Task.WhenAny(Task.WhenAll(closing.Select(bridge => bridge.CloseForSessionEndAsync())), Task.Delay(CloseWait)).ConfigureAwait(false);
    }

    private sealed class Registration(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
    }
}

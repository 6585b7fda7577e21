using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Qtsp.E2E.Infrastructure;

/// <summary>
/// The browser profiles the tests open. A page left open after its product stopped keeps reconnecting to a portal and an
/// agent that are gone (Blazor's reconnect, the agent link's retry): over a whole run such pages pile up and slow every
/// later test. A product closes the profiles opened while it ran when it is disposed (tests run one at a time).
/// </summary>
public static class BrowserContexts
{
    private static readonly ConcurrentDictionary<IBrowserContext, DateTime> Opened = new();

    public static void Track(IBrowserContext context) => Opened[context] = DateTime.UtcNow;

    public static async Task CloseOpenedSinceAsync(DateTime sinceUtc)
    {
        foreach (var (context, openedAt) in Opened.ToArray())
        {
            if (openedAt >= sinceUtc && Opened.TryRemove(context, out _))
            {
                await context.CloseAsync().ConfigureAwait(false);
            }
        }
    }
}

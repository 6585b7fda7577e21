using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// The server-side record of each sign-in (<see cref="SignInSession"/>). The cookie carries a random id
/// (<see cref="PortalClaims.SessionId"/>), the table its hash. Every request (cookie validation) and every circuit
/// (<see cref="RevalidatingAuthenticationState"/>, <see cref="SessionWatch"/>, <see cref="CurrentActor"/>) asks
/// <see cref="CheckAsync"/>, which answers from memory for <see cref="SessionOptions.RecheckInterval"/> and then reads the
/// row again: an ending on this instance takes effect at once (the cached entry is ended with it), on another instance
/// within the recheck interval.
/// </summary>
public sealed class SignInSessions(DataAccess data, TimeProvider time, IOptions<SessionOptions> options, AgentBridge.AgentLinks agentLinks)
{
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    /// <summary>A new record for <paramref name="userId"/>; the returned token goes into the cookie and nowhere else.</summary>
    public async Task<string> StartAsync(string userId, string? sourceAddress)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow().UtcDateTime;
        var session = new SignInSession
        {
            TokenHash = Hash(token),
            UserId = userId,
            StartedAtUtc = now,
            LastSeenAtUtc = now,
            SourceAddress = sourceAddress is { Length: <= 64 } ? sourceAddress : null,
        };
        await data.RunAsync(async db =>
        {
            db.SignInSessions.Add(session);
            await db.SaveChangesAsync().ConfigureAwait(false);
        }).ConfigureAwait(false);
        _cache[session.TokenHash] = new Entry(session.Id, userId, now, null, time.GetUtcNow());
        return token;
    }

    /// <summary>The session token of <paramref name="principal"/>, if it has one.</summary>
    public static string? TokenOf(ClaimsPrincipal? principal) => principal?.FindFirstValue(PortalClaims.SessionId);

    /// <summary>
    /// The id of the live record behind <paramref name="token"/> for <paramref name="userId"/>, or null when it is unknown,
    /// ended, someone else's, or idle for longer than the idle time (which ends it). With <paramref name="activity"/> (a
    /// request of the browser) the record's idle clock restarts.
    /// </summary>
    public async Task<long?> CheckAsync(string? token, string? userId, bool activity)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100 || string.IsNullOrEmpty(userId))
        {
            return null;
        }

        var hash = Hash(token);
        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(hash, out var entry) || (entry.EndedAtUtc is null && now - entry.CheckedAt >= options.Value.RecheckInterval))
        {
            entry = await LoadAsync(hash, now).ConfigureAwait(false);
        }

        if (entry is null || entry.EndedAtUtc is not null || !string.Equals(entry.UserId, userId, StringComparison.Ordinal))
        {
            return null;
        }

        if (now.UtcDateTime - entry.LastSeenAtUtc >= options.Value.IdleTimeout)
        {
            await EndAsync(entry.Id, hash, SignInSessionEnd.Idle).ConfigureAwait(false);
            return null;
        }

        if (activity && now.UtcDateTime - entry.LastSeenAtUtc >= options.Value.TouchInterval)
        {
            var seen = now.UtcDateTime;
            await data.RunAsync(db => db.SignInSessions.Where(s => s.Id == entry.Id && s.EndedAtUtc == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAtUtc, seen))).ConfigureAwait(false);
            _cache[hash] = entry with { LastSeenAtUtc = seen };
        }

        return entry.Id;
    }

    /// <summary>Whether the record behind <paramref name="token"/> has been ended as idle (the reason a page shows).</summary>
    public async Task<SignInSessionEnd?> EndReasonAsync(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return null;
        }

        var hash = Hash(token);
        return await data.RunAsync(db => db.SignInSessions.Where(s => s.TokenHash == hash).Select(s => s.EndReason).SingleOrDefaultAsync()).ConfigureAwait(false);
    }

    /// <summary>Ends the one sign-in behind <paramref name="token"/> (sign-out: every tab of that browser).</summary>
    public async Task<bool> EndAsync(string? token, SignInSessionEnd reason)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return false;
        }

        var hash = Hash(token);
        var id = await data.RunAsync(db => db.SignInSessions.Where(s => s.TokenHash == hash).Select(s => (long?)s.Id).SingleOrDefaultAsync()).ConfigureAwait(false);
        return id is long found && await EndAsync(found, hash, reason).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends every open sign-in of <paramref name="userId"/> (password change, a staff reset of the authenticator, a closed
    /// account), with the support sessions they hold. Pages open in them close within seconds. Returns how many ended.
    /// </summary>
    public async Task<int> RevokeAllAsync(string userId, SignInSessionEnd reason)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var ended = await data.RunAsync(async db =>
        {
            var open = await db.SignInSessions.Where(s => s.UserId == userId && s.EndedAtUtc == null).Select(s => s.Id).ToListAsync().ConfigureAwait(false);
            if (open.Count == 0)
            {
                return 0;
            }

            await EndSupportSessionsAsync(db, open, now).ConfigureAwait(false);
            return await db.SignInSessions.Where(s => s.UserId == userId && s.EndedAtUtc == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAtUtc, now).SetProperty(x => x.EndReason, reason)).ConfigureAwait(false);
        }).ConfigureAwait(false);
        foreach (var (hash, entry) in _cache)
        {
            if (string.Equals(entry.UserId, userId, StringComparison.Ordinal))
            {
                _cache[hash] = entry with { EndedAtUtc = now };
            }
        }

        // The account's pages lose their agent link too (and the agent ends their token logins with it).
        await agentLinks.CloseAllOfAsync(userId).ConfigureAwait(false);
        return ended;
    }

    private async Task<bool> EndAsync(long id, string hash, SignInSessionEnd reason)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var ended = await data.RunAsync(async db =>
        {
            await EndSupportSessionsAsync(db, [id], now).ConfigureAwait(false);
            return await db.SignInSessions.Where(s => s.Id == id && s.EndedAtUtc == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAtUtc, now).SetProperty(x => x.EndReason, reason)).ConfigureAwait(false);
        }).ConfigureAwait(false);
        if (_cache.TryGetValue(hash, out var entry))
        {
            _cache[hash] = entry with { EndedAtUtc = entry.EndedAtUtc ?? now };
        }

        return ended == 1;
    }

    // A support session never outlives the sign-in it belongs to.
    private static Task<int> EndSupportSessionsAsync(PortalDbContext db, IReadOnlyCollection<long> sessions, DateTime now) =>
        db.SupportSessions.Where(s => s.SignInSessionId != null && sessions.Contains(s.SignInSessionId.Value) && s.EndedAtUtc == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAtUtc, now).SetProperty(x => x.EndReason, SupportSessionEnd.Ended));

    private async Task<Entry?> LoadAsync(string hash, DateTimeOffset now)
    {
        var row = await data.RunAsync(db => db.SignInSessions.AsNoTracking().Where(s => s.TokenHash == hash)
            .Select(s => new { s.Id, s.UserId, s.LastSeenAtUtc, s.EndedAtUtc }).SingleOrDefaultAsync()).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        if (_cache.Count > 100_000)
        {
            Prune(now);
        }

        var entry = new Entry(row.Id, row.UserId, row.LastSeenAtUtc, row.EndedAtUtc, now);
        _cache[hash] = entry;
        return entry;
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (hash, entry) in _cache)
        {
            if (now - entry.CheckedAt > options.Value.RecheckInterval)
            {
                _cache.TryRemove(hash, out _);
            }
        }
    }

    internal static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Entry(long Id, string UserId, DateTime LastSeenAtUtc, DateTime? EndedAtUtc, DateTimeOffset CheckedAt);
}

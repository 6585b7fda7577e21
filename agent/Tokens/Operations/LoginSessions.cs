using Microsoft.Extensions.Options;
using Qtsp.Agent.Pkcs11;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Areas a page logged in to see their private objects. PKCS#11 keeps a login per application and token while any of
/// its sessions is open, so one open session per area holds it; closing it logs the area out. The login belongs to the
/// hub connection that proved the PIN: only that connection is shown the private objects, and the login ends when the
/// connection closes, when it logs out, when another connection or an operation logs in to the area, or after the idle time.
/// It lends nothing to operations: each of those proves its own secret (<see cref="AreaAccess.LogIn"/>).
/// </summary>
internal sealed class LoginSessions(IOptions<AgentOptions> options, TimeProvider time) : IDisposable
{
    private readonly Dictionary<(string Module, ulong Slot), Held> _sessions = [];
    private readonly Lock _lock = new();

    private sealed record Held(Pkcs11Session Session, string Owner, DateTimeOffset LastUse);

    /// <summary>Keeps <paramref name="session"/> (logged in) open for <paramref name="owner"/>, replacing any earlier login of the area.</summary>
    public void Hold(Pkcs11Session session, string owner)
    {
        lock (_lock)
        {
            var key = (session.ModulePath, session.SlotId);
            if (_sessions.Remove(key, out var previous))
            {
                previous.Session.Dispose();
            }

            _sessions[key] = new Held(session, owner, time.GetUtcNow());
        }
    }

    /// <summary>The connection whose login holds the area, if any.</summary>
    public string? OwnerOf(string module, ulong slot)
    {
        lock (_lock)
        {
            return _sessions.TryGetValue((module, slot), out var held) ? held.Owner : null;
        }
    }

    /// <summary>Every area held, with its owner.</summary>
    public IReadOnlyDictionary<(string Module, ulong Slot), string> Owners()
    {
        lock (_lock)
        {
            return _sessions.ToDictionary(s => s.Key, s => s.Value.Owner);
        }
    }

    /// <summary>The owner used the area (it was shown its private objects on request): the idle clock starts again.</summary>
    public void Touch(string owner)
    {
        lock (_lock)
        {
            foreach (var (key, held) in _sessions.Where(s => s.Value.Owner == owner).ToArray())
            {
                _sessions[key] = held with { LastUse = time.GetUtcNow() };
            }
        }
    }

    /// <summary>Logs the area out (needed, too, before another login or a security officer's); returns who held it.</summary>
    public string? Release(string module, ulong slot)
    {
        Held? held;
        lock (_lock)
        {
            if (!_sessions.Remove((module, slot), out held))
            {
                return null;
            }
        }

        LogOutAndClose(held.Session);
        return held.Owner;
    }

    /// <summary>Ends every login a connection holds (it closed, or its page's portal session ended); returns whether there was any.</summary>
    public bool ReleaseOwnedBy(string owner) => ReleaseWhere(held => held.Owner == owner);

    /// <summary>Logs out areas left alone longer than Agent:LoginIdleMinutes; returns whether any was.</summary>
    public bool ExpireIdle()
    {
        var limit = time.GetUtcNow() - TimeSpan.FromMinutes(options.Value.LoginIdleMinutes);
        return ReleaseWhere(held => held.LastUse < limit);
    }

    private bool ReleaseWhere(Func<Held, bool> condition)
    {
        List<Held> released;
        lock (_lock)
        {
            released = [];
            foreach (var (key, held) in _sessions.Where(s => condition(s.Value)).ToArray())
            {
                _sessions.Remove(key);
                released.Add(held);
            }
        }

        foreach (var held in released)
        {
            LogOutAndClose(held.Session);
        }

        return released.Count > 0;
    }

    private static void LogOutAndClose(Pkcs11Session session)
    {
        try
        {
            session.Logout();
        }
        catch (Pkcs11Exception)
        {
            // Already logged out (device removed, or an operation logged out); closing is all that is left.
        }

        session.Dispose();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var held in _sessions.Values)
            {
                held.Session.Dispose();
            }

            _sessions.Clear();
        }
    }
}

using Microsoft.Extensions.Options;
using Qtsp.Agent.Pkcs11;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Areas the user logged in to see their private objects. PKCS#11 keeps a login per application and token
/// while any of its sessions is open, so one open session per area holds it; closing it logs the area out.
/// </summary>
internal sealed class LoginSessions(IOptions<AgentOptions> options, TimeProvider time) : IDisposable
{
    private readonly Dictionary<(string Module, ulong Slot), (Pkcs11Session Session, DateTimeOffset LastUse)> _sessions = [];
    private readonly Lock _lock = new();

    public void Hold(Pkcs11Session session)
    {
        lock (_lock)
        {
            var key = (session.ModulePath, session.SlotId);
            if (_sessions.Remove(key, out var previous))
            {
                previous.Session.Dispose();
            }

            _sessions[key] = (session, time.GetUtcNow());
        }
    }

    public bool IsHeld(string module, ulong slot)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue((module, slot), out var held))
            {
                return false;
            }

            _sessions[(module, slot)] = held with { LastUse = time.GetUtcNow() };
            return true;
        }
    }

    /// <summary>Logs the area out (needed, too, before a security officer can log in).</summary>
    public bool Release(string module, ulong slot)
    {
        lock (_lock)
        {
            if (!_sessions.Remove((module, slot), out var held))
            {
                return false;
            }

            try
            {
                held.Session.Logout();
            }
            catch (Pkcs11Exception)
            {
                // Already logged out (device removed, or closed elsewhere); closing is all that is left.
            }

            held.Session.Dispose();
            return true;
        }
    }

    /// <summary>Logs out areas left alone longer than Agent:LoginIdleMinutes; returns whether any was.</summary>
    public bool ExpireIdle()
    {
        var limit = time.GetUtcNow() - TimeSpan.FromMinutes(options.Value.LoginIdleMinutes);
        List<(string, ulong)> idle;
        lock (_lock)
        {
            idle = _sessions.Where(s => s.Value.LastUse < limit).Select(s => s.Key).ToList();
        }

        foreach (var (module, slot) in idle)
        {
            Release(module, slot);
        }

        return idle.Count > 0;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (session, _) in _sessions.Values)
            {
                session.Dispose();
            }

            _sessions.Clear();
        }
    }
}

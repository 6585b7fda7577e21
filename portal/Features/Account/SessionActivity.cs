namespace Qtsp.Portal.Features.Account;

public sealed class SessionOptions
{
    public const string Section = "Portal:Session";

    /// <summary>A sign-in ends after this long without the person using the portal (in any of its tabs).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The idle time as people read it: whole minutes, at least one.</summary>
    public int IdleMinutes => Math.Max(1, (int)Math.Ceiling(IdleTimeout.TotalMinutes));

    /// <summary>How often a page reports that its user is active (and renews the sign-in cookie): at most every minute.</summary>
    public TimeSpan ReportInterval => TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks, IdleTimeout.Ticks / 4));

    /// <summary>
    /// How long an instance answers from memory whether a sign-in is still open: an ending on another instance of the
    /// portal reaches requests and open pages here within this time (on this instance at once).
    /// </summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a request records the sign-in's last use (its idle clock, shared by all tabs).</summary>
    public TimeSpan TouchInterval => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, IdleTimeout.Ticks / 20));

    /// <summary>How often an open page checks its idle clock: at most every five seconds.</summary>
    public TimeSpan CheckInterval => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, IdleTimeout.Ticks / 10));
}

/// <summary>
/// The signed-in person's activity as one circuit sees it. A circuit outlives the cookie it started with and hears nothing
/// of its expiry, so it keeps its own clock: the page reports keys and clicks (throttled), and once the idle time has
/// passed the circuit ends its sign-in too, keeping what was typed (<see cref="Infrastructure.FormDrafts"/>).
/// </summary>
public sealed class SessionActivity(TimeProvider time, Microsoft.Extensions.Options.IOptions<SessionOptions> options)
{
    private DateTimeOffset _lastActivity = time.GetUtcNow();

    public TimeSpan IdleTimeout => options.Value.IdleTimeout;

    public bool Expired { get; private set; }

    public void Touch()
    {
        if (!Expired)
        {
            _lastActivity = time.GetUtcNow();
        }
    }

    /// <summary>Ends the circuit's sign-in now (its record was ended); true the first time.</summary>
    public bool EndNow()
    {
        if (Expired)
        {
            return false;
        }

        Expired = true;
        return true;
    }

    /// <summary>True once, when the idle time has just run out.</summary>
    public bool ExpiresNow()
    {
        if (Expired || time.GetUtcNow() - _lastActivity < IdleTimeout)
        {
            return false;
        }

        Expired = true;
        return true;
    }
}

namespace Qtsp.Portal.Data;

/// <summary>
/// One sign-in of one browser: the sign-in cookie carries a random session id, this row only its SHA-256
/// (<see cref="TokenHash"/>), so a copy of the database gives nobody a session. Every request and every open page checks
/// the row; ending it (sign-out, password change, a staff reset, idle time) ends the sign-in in every tab at once.
/// </summary>
public sealed class SignInSession
{
    public long Id { get; set; }

    /// <summary>Lower-case hex SHA-256 of the id in the cookie.</summary>
    public required string TokenHash { get; set; }

    public required string UserId { get; set; }

    public DateTime StartedAtUtc { get; set; }

    /// <summary>The last request of the browser (recorded at most every few seconds): the idle clock shared by all its tabs.</summary>
    public DateTime LastSeenAtUtc { get; set; }

    public DateTime? EndedAtUtc { get; set; }

    public SignInSessionEnd? EndReason { get; set; }

    public string? SourceAddress { get; set; }
}

public enum SignInSessionEnd
{
    SignedOut,

    /// <summary>Unused for longer than the idle time.</summary>
    Idle,

    /// <summary>The password was changed (in this or another session).</summary>
    PasswordChanged,

    /// <summary>Staff reset the account's authenticator or otherwise ended all its sign-ins.</summary>
    Reset,

    /// <summary>The account was locked or removed.</summary>
    AccountClosed,
}

namespace Qtsp.Portal.Infrastructure;

/// <summary>A failure the user is told about in their language: <see cref="MessageKey"/> names the text in Strings.resx.</summary>
public abstract class PortalException : Exception
{
    protected PortalException(string messageKey, Exception? inner = null)
        : base(messageKey, inner) => MessageKey = messageKey;

    public string MessageKey { get; }
}

/// <summary>
/// The record does not exist or the current user may not see or change it. Both read the same to the user (no hint that
/// someone else's record exists); the refusal is in the audit trail.
/// </summary>
public sealed class AccessRefusedException(string subject) : PortalException("Access.Refused")
{
    public string Subject { get; } = subject;
}

/// <summary>The database did not answer (after the retries of the execution strategy): nothing was changed.</summary>
public sealed class DataUnavailableException(Exception inner) : PortalException("Data.Unavailable", inner);

/// <summary>No one is signed in (a circuit whose authentication ended, a request without a cookie).</summary>
public sealed class NotSignedInException() : PortalException("Access.NotSignedIn");

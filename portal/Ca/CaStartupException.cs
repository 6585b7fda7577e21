namespace Qtsp.Portal.Ca;

/// <summary>
/// The CA cannot start as configured (no token, a wrong PIN, a key gone from the token). The portal must not issue then,
/// and it never replaces a missing key with a new CA. Messages name the token and the key, never the PIN.
/// </summary>
public sealed class CaStartupException : Exception
{
    public CaStartupException(string message)
        : base(message)
    {
    }

    public CaStartupException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CaStartupException()
    {
    }
}

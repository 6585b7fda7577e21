namespace Qtsp.Portal.Ca;

/// <summary>
/// Told after a revocation is committed to the registry, so the CA publishes it (a new CRL within seconds; OCSP answers
/// from the registry and needs nothing). Never blocks the caller and never fails it: publication catches up on its own
/// schedule if a signal is lost.
/// </summary>
public interface IRevocationPublisher
{
    void Revoked(string issuerName);
}

/// <summary>Until a CRL publisher is registered: nothing to tell.</summary>
public sealed class NoRevocationPublisher : IRevocationPublisher
{
    public void Revoked(string issuerName)
    {
    }
}

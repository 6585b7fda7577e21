using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Token;

public enum AttestationCheck
{
    Verified,

    /// <summary>The device is not registered at the CA (no service key on record), so nothing to verify against.</summary>
    Unverifiable,

    Invalid,
}

/// <summary>The portal trusts nothing from the page or the agent blindly: it checks the request's own signature and the service key's attestation.</summary>
public static class RequestVerification
{
    public static (bool RequestSignatureValid, string? Subject, AttestationCheck Attestation) Verify(KeyRequestCreated created, byte[] nonce, PublicKey? registeredServiceKey)
    {
        string? subject;
        try
        {
            // LoadSigningRequest checks the request's signature with the key it carries.
            subject = CertificateRequest.LoadSigningRequest(created.Request, HashAlgorithmName.SHA256).SubjectName.Name;
        }
        catch (CryptographicException)
        {
            return (false, null, AttestationCheck.Invalid);
        }

        var attestation = registeredServiceKey is null ? AttestationCheck.Unverifiable
            : AttestationStatement.Verify(created.Attestation, registeredServiceKey, created.Request, nonce, created.DeviceSerial) ? AttestationCheck.Verified
            : AttestationCheck.Invalid;
        return (true, subject, attestation);
    }
}

/// <summary>The service keys the CA registered for its devices (from the CA's device records).</summary>
public interface IServiceKeyRegistry
{
    Task<PublicKey?> FindAsync(string deviceSerial, CancellationToken cancellationToken = default);
}

/// <summary>Used until device records exist: no device is registered, so attestations are reported unverifiable.</summary>
public sealed class NoServiceKeyRegistry : IServiceKeyRegistry
{
    public Task<PublicKey?> FindAsync(string deviceSerial, CancellationToken cancellationToken = default) => Task.FromResult<PublicKey?>(null);
}

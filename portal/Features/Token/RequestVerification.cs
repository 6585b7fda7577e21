using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Token;

public enum AttestationCheck
{
    Verified,

    /// <summary>The device is not registered at the CA (no service key on record), so nothing to verify against.</summary>
    Unverifiable,

    Invalid,
}

/// <summary>What the portal found about a request from the device; <see cref="Request"/> is the parsed request when its signature holds.</summary>
public sealed record RequestCheck(bool RequestSignatureValid, string? Subject, AttestationCheck Attestation)
{
    public CertificateRequest? Request { get; init; }
}

/// <summary>The portal trusts nothing from the page or the agent blindly: it checks the request's own signature and the service key's attestation.</summary>
public static class RequestVerification
{
    public static RequestCheck Verify(KeyRequestCreated created, byte[] nonce, PublicKey? registeredServiceKey)
    {
        CertificateRequest request;
        try
        {
            // LoadSigningRequest checks the request's signature with the key it carries.
            request = CertificateRequest.LoadSigningRequest(created.Request, HashAlgorithmName.SHA256);
        }
        catch (CryptographicException)
        {
            return new RequestCheck(false, null, AttestationCheck.Invalid);
        }

        var attestation = registeredServiceKey is null ? AttestationCheck.Unverifiable
            : AttestationStatement.Verify(created.Attestation, registeredServiceKey, created.Request, nonce, created.DeviceSerial) ? AttestationCheck.Verified
            : AttestationCheck.Invalid;
        return new RequestCheck(true, request.SubjectName.Name, attestation) { Request = request };
    }
}

/// <summary>The service keys the CA registered for its devices (from the CA's device records).</summary>
public interface IServiceKeyRegistry
{
    Task<PublicKey?> FindAsync(string deviceSerial, CancellationToken cancellationToken = default);
}

/// <summary>The service keys on record in the portal's device registry (<see cref="Qtsp.Portal.Data.SecureDevice.ServiceKeyPublicKey"/>).</summary>
public sealed class SecureDeviceServiceKeys(Infrastructure.DataAccess data) : IServiceKeyRegistry
{
    public Task<PublicKey?> FindAsync(string deviceSerial, CancellationToken cancellationToken = default) => data.RunAsync(async db =>
    {
        var serial = deviceSerial.Trim().ToUpperInvariant();
        var key = await db.SecureDevices.AsNoTracking()
            .Where(d => d.SerialNumber == serial && d.ServiceKeyPublicKey != null)
            .Select(d => d.ServiceKeyPublicKey)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return key is null ? null : PublicKey.CreateFromSubjectPublicKeyInfo(key, out _);
    });
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// The key whose certificate a renewal renews: a private key in the request's area with the CKA_ID the caller names and a
/// certificate for it under the same CKA_ID. It signs the service key's attestation statement of the new request
/// (<see cref="RenewalProof"/>), nothing else. Never the CA's service key.
/// </summary>
internal sealed class RenewedKey : IDisposable
{
    private readonly TokenObject _privateKey;
    private readonly CKK _keyType;
    private readonly X509Certificate2 _certificate;

    private RenewedKey(TokenObject privateKey, CKK keyType, X509Certificate2 certificate)
    {
        _privateKey = privateKey;
        _keyType = keyType;
        _certificate = certificate;
    }

    /// <summary>The renewed key's CKA_ID, null when the request is no renewal; refused unless it is strict hex.</summary>
    public static byte[]? ParseId(string? hex) =>
        hex is null ? null
        : ChallengeOperations.TryParseId(hex, out var id) ? id
        : throw AreaAccess.Refused(AgentErrorCode.InvalidInput);

    /// <summary>
    /// Finds the key and its certificate in the logged-in area of <paramref name="area"/>; refuses the service key
    /// (<see cref="AgentErrorCode.KeyNotAllowed"/>) and a key without its certificate (<see cref="AgentErrorCode.RenewedKeyNotFound"/>).
    /// </summary>
    public static RenewedKey Find(Pkcs11Session loggedIn, AreaKind area, byte[] id, ServiceKey serviceKey)
    {
        var objects = TokenReader.ReadObjects(loggedIn);
        var named = objects.Where(o => o.Id.AsSpan().SequenceEqual(id)).ToArray();
        var protectedIds = ServiceKey.ProtectedIds(objects);
        if (named.Any(o => ServiceKey.IsProtected(o, protectedIds) || (area == AreaKind.Standard && serviceKey.IsItself(o))))
        {
            throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        }

        var privateKeys = named.Where(o => o.Class == CKO.CKO_PRIVATE_KEY).ToArray();
        var keyType = privateKeys.Length == 1 ? (CKK?)AttributeValue.Ulong(privateKeys[0][CKA.CKA_KEY_TYPE]) : null;
        if (keyType is not (CKK.CKK_RSA or CKK.CKK_EC))
        {
            throw AreaAccess.Refused(AgentErrorCode.RenewedKeyNotFound);
        }

        var privateKey = privateKeys[0];
        var keyPublic = PublicKeyOf(loggedIn, named.FirstOrDefault(o => o.Class == CKO.CKO_PUBLIC_KEY) ?? privateKey);
        if (keyPublic is not null && serviceKey.HasPublicKey(keyPublic))
        {
            throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
        }

        foreach (var der in named.Where(o => o.Class == CKO.CKO_CERTIFICATE).Select(o => o[CKA.CKA_VALUE]).OfType<byte[]>().Where(v => v.Length > 0))
        {
            X509Certificate2 certificate;
            try
            {
                certificate = X509CertificateLoader.LoadCertificate(der);
            }
            catch (CryptographicException)
            {
                continue;
            }

            var certified = certificate.PublicKey.ExportSubjectPublicKeyInfo();
            if (serviceKey.HasPublicKey(certified))
            {
                certificate.Dispose();
                throw AreaAccess.Refused(AgentErrorCode.KeyNotAllowed);
            }

            if (keyPublic is null || keyPublic.AsSpan().SequenceEqual(certified))
            {
                return new RenewedKey(privateKey, keyType.Value, certificate);
            }

            certificate.Dispose();
        }

        throw AreaAccess.Refused(AgentErrorCode.RenewedKeyNotFound);
    }

    /// <summary>
    /// Signs the statement's DER bytes with the renewed key, as the service key signs (SHA-256; PKCS#1 v1.5 or DER ECDSA).
    /// A key that wants its PIN at every signature gets <paramref name="areaPin"/> as the context-specific login. The
    /// signature is checked against the certificate before it leaves: a certificate for another key proves nothing.
    /// </summary>
    public RenewalProof Prove(Pkcs11Session loggedIn, byte[] statement, Secret areaPin)
    {
        var perSignature = AttributeValue.Bool(_privateKey[CKA.CKA_ALWAYS_AUTHENTICATE]) == true ? areaPin : null;
        var signer = new TokenSigner(loggedIn, _privateKey.Handle, _keyType, _certificate.PublicKey, perSignature);
        var proof = new RenewalProof(signer.SignData(statement, HashAlgorithmName.SHA256), signer.AlgorithmName(HashAlgorithmName.SHA256));
        return proof.Verify(statement, _certificate) ? proof : throw AreaAccess.Refused(AgentErrorCode.RenewedKeyNotFound);
    }

    public void Dispose() => _certificate.Dispose();

    private static byte[]? PublicKeyOf(Pkcs11Session session, TokenObject key)
    {
        try
        {
            return KeyMaterial.ReadPublicKey(session, key.Handle).ExportSubjectPublicKeyInfo();
        }
        catch (Exception e) when (e is OperationRefusedException or CryptographicException or Pkcs11Exception)
        {
            return null; // an EC private key without its public half carries no point: the signature check decides
        }
    }
}

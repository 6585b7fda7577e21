using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// The CA's service key in the standard area. It is the key whose public key the CA registered for the device (the
/// portal passes it with each request to attest); its label only names it on screen. It signs nothing but the
/// attestation of a request generated on the device in the same operation, and nothing removes it.
/// </summary>
internal sealed class ServiceKey(TokenObject privateKey, PublicKey publicKey)
{
    /// <summary>Whether <paramref name="candidate"/> (an object in the standard area) is one of the service key's objects.</summary>
    public bool IsItself(TokenObject candidate) =>
        candidate.Id.Length > 0 && candidate.Id.AsSpan().SequenceEqual(privateKey.Id);

    /// <summary>Whether <paramref name="subjectPublicKeyInfo"/> is the service key's public key, wherever it was found.</summary>
    public bool HasPublicKey(ReadOnlySpan<byte> subjectPublicKeyInfo) =>
        subjectPublicKeyInfo.SequenceEqual(publicKey.ExportSubjectPublicKeyInfo());

    /// <summary>The registered public key (SubjectPublicKeyInfo DER) the caller names; refused when it is not one.</summary>
    public static byte[] ParseRegistered(byte[]? subjectPublicKeyInfo)
    {
        if (subjectPublicKeyInfo is not { Length: > 0 and < 4096 })
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        try
        {
            var key = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out var read);
            return read == subjectPublicKeyInfo.Length ? key.ExportSubjectPublicKeyInfo() : throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }
        catch (CryptographicException)
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }
    }

    /// <summary>The private key whose public half is <paramref name="registered"/>, whatever its label; null when the device has none.</summary>
    public static ServiceKey? Find(Pkcs11Session loggedIn, byte[] registered)
    {
        var objects = TokenReader.ReadObjects(loggedIn);
        foreach (var candidate in objects.Where(o => o.Class is CKO.CKO_PUBLIC_KEY or CKO.CKO_PRIVATE_KEY))
        {
            if (PublicKeyOf(loggedIn, candidate) is not { } publicKey || !publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(registered))
            {
                continue;
            }

            var privateKey = candidate.Class == CKO.CKO_PRIVATE_KEY ? candidate
                : objects.FirstOrDefault(o => o.Class == CKO.CKO_PRIVATE_KEY && o.Id.Length > 0 && o.Id.AsSpan().SequenceEqual(candidate.Id));
            if (privateKey is not null)
            {
                return new ServiceKey(privateKey, publicKey);
            }
        }

        return null;
    }

    private static PublicKey? PublicKeyOf(Pkcs11Session session, TokenObject key)
    {
        try
        {
            return KeyMaterial.ReadPublicKey(session, key.Handle);
        }
        catch (Exception e) when (e is OperationRefusedException or CryptographicException or Pkcs11Exception)
        {
            return null; // an EC private key carries no point; its public half is another object
        }
    }

    /// <summary>Identifiers (CKA_ID) the service key's objects carry in an area's object list; such objects are never deleted.</summary>
    public static HashSet<string> ProtectedIds(IEnumerable<TokenObject> objects) =>
        objects.Where(o => DeviceModelCatalogue.IsServiceKeyLabel(o.Label) && o.Id.Length > 0).Select(o => o.IdHex).ToHashSet(StringComparer.Ordinal);

    public static bool IsProtected(TokenObject candidate, HashSet<string> protectedIds) =>
        DeviceModelCatalogue.IsServiceKeyLabel(candidate.Label) || (candidate.Id.Length > 0 && protectedIds.Contains(candidate.IdHex));

    /// <summary>Labels nothing else may take: the service key's names, and the prefix of keys waiting for their certificate.</summary>
    public static bool IsReservedLabel(string label) =>
        DeviceModelCatalogue.IsServiceKeyLabel(label) || label.TrimStart().StartsWith(DeviceModelCatalogue.OrphanKeyPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Signs the attestation statement the agent itself built for a request made on the device in this operation.</summary>
    public ServiceKeyAttestation Attest(Pkcs11Session loggedIn, AttestationStatement statement, Secret pin)
    {
        var encoded = statement.Encode();
        var keyType = (CKK?)AttributeValue.Ulong(privateKey[CKA.CKA_KEY_TYPE]) ?? CKK.CKK_RSA;
        var perSignature = AttributeValue.Bool(privateKey[CKA.CKA_ALWAYS_AUTHENTICATE]) == true ? pin : null;
        var signer = new TokenSigner(loggedIn, privateKey.Handle, keyType, publicKey, perSignature);
        var signature = signer.SignData(encoded, HashAlgorithmName.SHA256);
        return new ServiceKeyAttestation(encoded, signature, signer.AlgorithmName(HashAlgorithmName.SHA256));
    }
}

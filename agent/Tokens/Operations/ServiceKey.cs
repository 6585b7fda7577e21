using System.Security.Cryptography;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>The CA's service key in the standard area: found by its label, used only to attest requests, never deleted.</summary>
internal sealed class ServiceKey(TokenObject privateKey, TokenObject? publicKey)
{
    public static ServiceKey? Find(Pkcs11Session loggedIn)
    {
        var keys = TokenReader.ReadObjects(loggedIn).Where(o => DeviceModelCatalogue.IsServiceKeyLabel(o.Label)).ToArray();
        var privateKey = keys.FirstOrDefault(k => k.Class == CKO.CKO_PRIVATE_KEY);
        return privateKey is null ? null : new ServiceKey(privateKey, keys.FirstOrDefault(k => k.Class == CKO.CKO_PUBLIC_KEY && k.Id.AsSpan().SequenceEqual(privateKey.Id)));
    }

    /// <summary>Identifiers (CKA_ID) the service key's objects carry in an area's object list; such objects are never deleted.</summary>
    public static HashSet<string> ProtectedIds(IEnumerable<TokenObject> objects) =>
        objects.Where(o => DeviceModelCatalogue.IsServiceKeyLabel(o.Label) && o.Id.Length > 0).Select(o => o.IdHex).ToHashSet(StringComparer.Ordinal);

    public static bool IsProtected(TokenObject candidate, HashSet<string> protectedIds) =>
        DeviceModelCatalogue.IsServiceKeyLabel(candidate.Label) || (candidate.Id.Length > 0 && protectedIds.Contains(candidate.IdHex));

    public ServiceKeyAttestation Attest(Pkcs11Session loggedIn, byte[] statement, Secret pin)
    {
        var keyType = (CKK?)AttributeValue.Ulong(privateKey[CKA.CKA_KEY_TYPE]) ?? CKK.CKK_RSA;
        var publicKeyObject = publicKey ?? privateKey;
        var perSignature = AttributeValue.Bool(privateKey[CKA.CKA_ALWAYS_AUTHENTICATE]) == true ? pin : null;
        var signer = new TokenSigner(loggedIn, privateKey.Handle, keyType, KeyMaterial.ReadPublicKey(loggedIn, publicKeyObject.Handle), perSignature);
        var signature = signer.SignData(statement, HashAlgorithmName.SHA256);
        return new ServiceKeyAttestation(statement, signature, signer.AlgorithmName(HashAlgorithmName.SHA256));
    }
}

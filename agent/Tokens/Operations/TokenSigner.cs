using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Crypto;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Signs with a private key on the device, producing X.509-style signatures: PKCS#1 v1.5 over a DigestInfo the
/// host builds (CKM_RSA_PKCS, which every card offers), or ECDSA over the digest (CKM_ECDSA) re-encoded from
/// r||s to DER. Doubles as the signature generator of <see cref="CertificateRequest"/>.
/// </summary>
internal sealed class TokenSigner(Pkcs11Session session, ulong privateKey, CKK keyType, PublicKey publicKey, Secret? perSignaturePin) : X509SignatureGenerator
{
    public bool IsRsa => keyType == CKK.CKK_RSA;

    public HashAlgorithmName PreferredHash => IsRsa ? HashAlgorithmName.SHA256
        : publicKey.GetECDsaPublicKey() is { KeySize: > 256 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    public string AlgorithmName(HashAlgorithmName hash) => $"{(IsRsa ? "RSA-PKCS1" : "ECDSA")}-{hash.Name}";

    protected override PublicKey BuildPublicKey() => publicKey;

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(SignatureOid(hashAlgorithm));
            if (IsRsa)
            {
                writer.WriteNull();
            }
        }

        return writer.Encode();
    }

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm)
    {
        var signature = SignDigest(Hash(data, hashAlgorithm), hashAlgorithm);
        return IsRsa ? signature : EcdsaSignatureEncoding.ToDer(signature);
    }

    /// <summary>
    /// Signs a digest the host computed: PKCS#1 v1.5 over its DigestInfo for RSA, ECDSA as the token returns it (r||s,
    /// IEEE P1363) for EC. Callers that want DER re-encode with <see cref="EcdsaSignatureEncoding"/>.
    /// </summary>
    public byte[] SignDigest(byte[] digest, HashAlgorithmName hashAlgorithm)
    {
        if (digest.Length != Hash([], hashAlgorithm).Length)
        {
            throw new CryptographicException("The digest does not fit its hash algorithm.");
        }

        return IsRsa
            ? session.Sign(CKM.CKM_RSA_PKCS, privateKey, DigestInfo(digest, hashAlgorithm), perSignaturePin?.Utf8)
            : session.Sign(CKM.CKM_ECDSA, privateKey, digest, perSignaturePin?.Utf8);
    }

    private string SignatureOid(HashAlgorithmName hash) => (IsRsa, hash.Name) switch
    {
        (true, "SHA256") => "1.2.840.113549.1.1.11",
        (true, "SHA384") => "1.2.840.113549.1.1.12",
        (true, "SHA512") => "1.2.840.113549.1.1.13",
        (false, "SHA256") => "1.2.840.10045.4.3.2",
        (false, "SHA384") => "1.2.840.10045.4.3.3",
        (false, "SHA512") => "1.2.840.10045.4.3.4",
        _ => throw new CryptographicException($"Hash {hash.Name} is not supported for signing on the device."),
    };

    private static byte[] Hash(byte[] data, HashAlgorithmName hash) => hash.Name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw new CryptographicException($"Hash {hash.Name} is not supported."),
    };

    /// <summary>DER DigestInfo ::= SEQUENCE { AlgorithmIdentifier (hash OID, NULL), OCTET STRING digest }.</summary>
    private static byte[] DigestInfo(byte[] digest, HashAlgorithmName hash)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(hash.Name switch
                {
                    "SHA256" => "2.16.840.1.101.3.4.2.1",
                    "SHA384" => "2.16.840.1.101.3.4.2.2",
                    _ => "2.16.840.1.101.3.4.2.3",
                });
                writer.WriteNull();
            }

            writer.WriteOctetString(digest);
        }

        return writer.Encode();
    }
}

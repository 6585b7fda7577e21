using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Qtsp.Shared.Crypto;

namespace Qtsp.Portal.Ca.Pkcs11;

/// <summary>A CA private key inside the token, with its public key as the token reports it.</summary>
internal sealed class TokenKey(CaToken token, IObjectHandle privateKey, CaKeyType type, PublicKey publicKey)
{
    public CaKeyType Type { get; } = type;

    public PublicKey PublicKey { get; } = publicKey;

    public bool IsRsa => Type is CaKeyType.Rsa2048 or CaKeyType.Rsa3072 or CaKeyType.Rsa4096;

    /// <summary>
    /// Signs <paramref name="data"/>: RSA PKCS#1 v1.5 hashes inside the token; ECDSA gets the digest computed here
    /// (CKM_ECDSA is the one EC mechanism every module has) and its raw r||s becomes the DER SEQUENCE X.509 wants.
    /// </summary>
    public byte[] Sign(byte[] data, HashAlgorithmName hash)
    {
        if (IsRsa)
        {
            var mechanism = hash == HashAlgorithmName.SHA256 ? CKM.CKM_SHA256_RSA_PKCS
                : hash == HashAlgorithmName.SHA384 ? CKM.CKM_SHA384_RSA_PKCS
                : throw new ArgumentOutOfRangeException(nameof(hash), hash, "SHA-256 or SHA-384");
            return token.Sign(privateKey, mechanism, data);
        }

        var digest = hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data)
            : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data)
            : throw new ArgumentOutOfRangeException(nameof(hash), hash, "SHA-256 or SHA-384");
        return EcdsaSignatureEncoding.ToDer(token.Sign(privateKey, CKM.CKM_ECDSA, digest));
    }

    /// <summary>A raw ECDSA signature (r||s, as the token gives it) over a digest made by the caller.</summary>
    public byte[] SignHashRaw(byte[] digest) =>
        IsRsa ? throw new InvalidOperationException("An EC key signs digests.") : token.Sign(privateKey, CKM.CKM_ECDSA, digest);
}

using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

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
        return EncodeEcdsaSignature(token.Sign(privateKey, CKM.CKM_ECDSA, digest));
    }

    /// <summary>PKCS#11 returns r||s, each the field size; X.509 carries SEQUENCE { INTEGER r, INTEGER s }.</summary>
    internal static byte[] EncodeEcdsaSignature(byte[] raw)
    {
        if (raw.Length == 0 || raw.Length % 2 != 0)
        {
            throw new CryptographicException("The token returned an ECDSA signature of odd length.");
        }

        var half = raw.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(0, half)));
            writer.WriteIntegerUnsigned(Minimal(raw.AsSpan(half)));
        }

        return writer.Encode();
    }

    /// <summary>r and s come zero-padded to the field size; DER wants an INTEGER without redundant leading zeros.</summary>
    private static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..];
    }
}

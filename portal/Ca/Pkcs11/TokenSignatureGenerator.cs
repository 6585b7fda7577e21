using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Ca.Pkcs11;

/// <summary>Lets .NET's CertificateRequest and CRL builder sign with a key that never leaves the token.</summary>
internal sealed class TokenSignatureGenerator(TokenKey key) : X509SignatureGenerator
{
    private const string Sha256WithRsa = "1.2.840.113549.1.1.11";
    private const string Sha384WithRsa = "1.2.840.113549.1.1.12";
    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    private const string EcdsaWithSha384 = "1.2.840.10045.4.3.3";

    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
    {
        var sha256 = hashAlgorithm == HashAlgorithmName.SHA256;
        if (!sha256 && hashAlgorithm != HashAlgorithmName.SHA384)
        {
            throw new ArgumentOutOfRangeException(nameof(hashAlgorithm), hashAlgorithm, "SHA-256 or SHA-384");
        }

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            if (key.IsRsa)
            {
                writer.WriteObjectIdentifier(sha256 ? Sha256WithRsa : Sha384WithRsa);
                writer.WriteNull(); // RFC 4055: the parameters of the RSA PKCS#1 v1.5 algorithms are NULL
            }
            else
            {
                writer.WriteObjectIdentifier(sha256 ? EcdsaWithSha256 : EcdsaWithSha384); // RFC 5758: no parameters
            }
        }

        return writer.Encode();
    }

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key.Sign(data, hashAlgorithm);

    protected override PublicKey BuildPublicKey() => key.PublicKey;
}

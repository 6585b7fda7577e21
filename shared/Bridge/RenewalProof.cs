using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Shared.Bridge;

/// <summary>
/// Proof that the holder of the certificate being renewed made the request: the renewed certificate's private key
/// signed exactly the service key's attestation statement (<see cref="ServiceKeyAttestation.Statement"/>, its DER bytes)
/// on the device. The statement names the new request (by SHA-256), the portal's nonce and the device, so the proof
/// cannot be lifted onto another request. Signed as the service key signs: "RSA-PKCS1-SHA256" (PKCS#1 v1.5) or
/// "ECDSA-SHA256" (DER-encoded ECDSA-Sig-Value).
/// </summary>
public sealed record RenewalProof(byte[] Signature, string SignatureAlgorithm)
{
    public const string RsaSha256 = "RSA-PKCS1-SHA256";
    public const string EcdsaSha256 = "ECDSA-SHA256";

    /// <summary>
    /// Whether <see cref="Signature"/> is a signature over <paramref name="statement"/> by the key certified in
    /// <paramref name="renewedCertificate"/>. Checks the signature only: the statement's content, the attestation and
    /// the certificate's own validity are the caller's to check.
    /// </summary>
    public bool Verify(byte[] statement, X509Certificate2 renewedCertificate)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(renewedCertificate);
        if (Signature is not { Length: > 0 } || statement.Length == 0)
        {
            return false;
        }

        try
        {
            using var rsa = renewedCertificate.GetRSAPublicKey();
            if (rsa is not null)
            {
                return SignatureAlgorithm == RsaSha256
                    && rsa.VerifyData(statement, Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }

            using var ecdsa = renewedCertificate.GetECDsaPublicKey();
            return ecdsa is not null
                && SignatureAlgorithm == EcdsaSha256
                && ecdsa.VerifyData(statement, Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Ca.Revocation;

/// <summary>What CRLs and OCSP need to know about a CA certificate's key.</summary>
internal static class CaKeyFacts
{
    /// <summary>A P-384 key signs with SHA-384 (its strength), the others with SHA-256 — as the CA certificates do.</summary>
    public static HashAlgorithmName HashFor(X509Certificate2 certificate)
    {
        using var ec = certificate.GetECDsaPublicKey();
        return ec is { KeySize: 384 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;
    }

    /// <summary>The certificate's subjectKeyIdentifier, or the SHA-1 of its public key when it has none.</summary>
    public static byte[] KeyIdentifier(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes.ToArray()
        ?? Sha1.Of(certificate.PublicKey.EncodedKeyValue.RawData);
}

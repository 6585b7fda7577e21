using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Portal.Ca.Profiles;

namespace Qtsp.Portal.Ca;

/// <summary>Makes the self-signed root and the issuing CA certificates the root signs.</summary>
internal static class CaCertificateFactory
{
    public static X509Certificate2 CreateRoot(CaOptions options, X509SignatureGenerator signer, CaKeyType keyType, DateTimeOffset now)
    {
        var name = Name(options, "Root CA");
        var request = new CertificateRequest(name, signer.PublicKey, HashFor(keyType));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 1, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        var subjectKeyIdentifier = new X509SubjectKeyIdentifierExtension(signer.PublicKey, critical: false);
        request.CertificateExtensions.Add(subjectKeyIdentifier);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyIdentifier));
        return request.Create(name, signer, now, now.AddYears(options.RootValidityYears), NewSerialNumber());
    }

    public static X509Certificate2 CreateIssuing(
        CaOptions options,
        PkiOptions pki,
        string commonNameSuffix,
        PublicKey publicKey,
        IssuingCa root,
        CaKeyType rootKeyType,
        DateTimeOffset now)
    {
        var request = new CertificateRequest(Name(options, commonNameSuffix), publicKey, HashFor(rootKeyType));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(null, [CaNames.CertificateUrl(pki, root.Name).AbsoluteUri]));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([CaNames.CrlUrl(pki, root.Name).AbsoluteUri]));
        var notAfter = now.AddYears(options.IssuingValidityYears);
        if (notAfter > root.Certificate.NotAfter)
        {
            notAfter = root.Certificate.NotAfter;
        }

        return request.Create(root.Certificate.SubjectName, root.Signer, now, notAfter, NewSerialNumber());
    }

    /// <summary>A P-384 key signs with SHA-384 (its strength); the other keys with SHA-256.</summary>
    public static HashAlgorithmName HashFor(CaKeyType keyType) => keyType == CaKeyType.EcP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    private static X500DistinguishedName Name(CaOptions options, string commonNameSuffix)
    {
        // C, O, organizationIdentifier, CN in the encoding: the builder encodes the last added first.
        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName($"{options.CommonNamePrefix} {commonNameSuffix}");
        name.Add(Oids.OrganizationIdentifier, options.OrganizationIdentifier);
        name.AddOrganizationName(options.Organization);
        name.AddCountryOrRegion(options.Country);
        return name.Build();
    }

    private static byte[] NewSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
        return serial;
    }
}

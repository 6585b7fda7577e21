namespace Qtsp.Portal.Ca;

/// <summary>The CAs' public names: their certificates and CRLs are published as {PublicBaseUrl}/pki/{name}.crt and .crl.</summary>
public static class CaNames
{
    public const string Root = "root-ca";
    public const string Qualified = "qualified-ca";
    public const string Commercial = "commercial-ca";

    public static Uri CertificateUrl(PkiOptions pki, string caName) => new(pki.PublicBaseUrl, $"/pki/{caName}.crt");

    public static Uri CrlUrl(PkiOptions pki, string caName) => new(pki.PublicBaseUrl, $"/pki/{caName}.crl");

    public static Uri OcspUrl(PkiOptions pki) => new(pki.PublicBaseUrl, "/pki/ocsp");
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Qtsp.Portal.Ca.Pkcs11;

namespace Qtsp.Portal.Ca.Revocation;

/// <summary>A delegated OCSP responder of one CA: its certificate and the signer over its key in the token.</summary>
internal sealed record OcspResponderKey(X509Certificate2 Certificate, X509SignatureGenerator Signer, byte[] KeyHash);

/// <summary>
/// The delegated OCSP responders (RFC 6960 §4.2.2.2): per issuing CA a key generated in the CA's token (CKA_ID
/// "qtsp-ocsp:{ca}:{yyyyMMddHHmmss}") and a certificate that CA issues for it — extendedKeyUsage id-kp-OCSPSigning,
/// id-pkix-ocsp-nocheck, <see cref="PkiOptions.OcspResponderValidity"/> — stored on the token next to the key. When less
/// than <see cref="PkiOptions.OcspResponderRenewBefore"/> is left a new key and certificate replace them; keys whose
/// certificate has expired are destroyed (responses they signed are out of date by then anyway).
/// </summary>
internal sealed class OcspResponderKeys(CaOptions options, PkiOptions pki, TimeProvider time)
{
    private const string OcspSigningOid = "1.3.6.1.5.5.7.3.9";
    private const string OcspNoCheckOid = "1.3.6.1.5.5.7.48.1.5";
    private const string IdPrefix = "qtsp-ocsp:";

    /// <summary>Keys with no certificate yet may be another instance's creation in progress: destroyed only when older than this.</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    /// <summary>Creation is serialised in the process (the token is shared by every CA instance in it).</summary>
    private static readonly Lock Creating = new();

    private readonly ConcurrentDictionary<string, OcspResponderKey> _current = new(StringComparer.Ordinal);

    public static byte[] IdPrefixOf(string caName) => Encoding.ASCII.GetBytes($"{IdPrefix}{caName}:");

    public OcspResponderKey For(IssuingCa ca, CaToken token)
    {
        var now = time.GetUtcNow();
        if (_current.TryGetValue(ca.Name, out var current) && IsUsable(current.Certificate, ca, now))
        {
            return current;
        }

        lock (Creating)
        {
            var found = FindUsable(ca, token, now) ?? Create(ca, token, now);
            _current[ca.Name] = found;
            return found;
        }
    }

    private bool IsUsable(X509Certificate2 certificate, IssuingCa ca, DateTimeOffset now) =>
        certificate.NotAfter.ToUniversalTime() - now.UtcDateTime > pki.OcspResponderRenewBefore
        && certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime
        && certificate.IssuerName.RawData.AsSpan().SequenceEqual(ca.Certificate.SubjectName.RawData)
        && AuthorityKeyId(certificate).AsSpan().SequenceEqual(CaKeyFacts.KeyIdentifier(ca.Certificate));

    private OcspResponderKey? FindUsable(IssuingCa ca, CaToken token, DateTimeOffset now)
    {
        OcspResponderKey? best = null;
        foreach (var id in token.FindKeyIds(IdPrefixOf(ca.Name)))
        {
            var der = token.FindCertificate(id);
            if (der is null)
            {
                if (CreatedAt(id) is { } created && now - created > AbandonedAfter)
                {
                    token.DestroyObjects(id);
                }

                continue;
            }

            var certificate = X509CertificateLoader.LoadCertificate(der);
            if (certificate.NotAfter.ToUniversalTime() <= now.UtcDateTime)
            {
                token.DestroyObjects(id); // expired: its key signs nothing any more
                continue;
            }

            if (!IsUsable(certificate, ca, now) || (best is not null && best.Certificate.NotAfter >= certificate.NotAfter))
            {
                continue;
            }

            var key = token.FindKey(id);
            if (key is not null && key.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo()))
            {
                best = Responder(certificate, key);
            }
        }

        return best;
    }

    private OcspResponderKey Create(IssuingCa ca, CaToken token, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        var id = Encoding.ASCII.GetBytes($"{IdPrefix}{ca.Name}:{stamp}");
        var key = token.GenerateKey(id, Encoding.ASCII.GetString(id), options.IssuingKey);

        var name = new X500DistinguishedNameBuilder();
        name.AddCommonName($"{options.CommonNamePrefix} {ca.Name} OCSP Responder {stamp[..8]}");
        name.AddOrganizationName(options.Organization);
        name.AddCountryOrRegion(options.Country);
        var request = new CertificateRequest(name.Build(), key.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(OcspSigningOid)], critical: false));
        request.CertificateExtensions.Add(new X509Extension(OcspNoCheckOid, [0x05, 0x00], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(key.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var notBefore = now.AddMinutes(-1);
        var notAfter = now + pki.OcspResponderValidity;
        if (notAfter > ca.Certificate.NotAfter)
        {
            notAfter = ca.Certificate.NotAfter;
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
        var certificate = request.Create(ca.Certificate.SubjectName, ca.Signer, notBefore, notAfter, serial);
        token.StoreCertificate(id, Encoding.ASCII.GetString(id), certificate);
        return Responder(certificate, key);
    }

    private static OcspResponderKey Responder(X509Certificate2 certificate, TokenKey key) =>
        new(certificate, new TokenSignatureGenerator(key), Sha1.Of(certificate.PublicKey.EncodedKeyValue.RawData));

    private static byte[] AuthorityKeyId(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier?.ToArray() ?? [];

    private static DateTimeOffset? CreatedAt(byte[] id)
    {
        var text = Encoding.ASCII.GetString(id);
        var stamp = text[(text.LastIndexOf(':') + 1)..];
        return DateTimeOffset.TryParseExact(stamp, "yyyyMMddHHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created) ? created : null;
    }
}

using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens;

/// <summary>
/// Turns the raw objects of one token into what a holder recognises: certificates, their keys, the CA's
/// service key and orphan keys. A key pairs with a certificate by CKA_ID, or failing that by public key.
/// </summary>
internal static class ObjectClassifier
{
    private const string QcStatementsOid = "1.3.6.1.5.5.7.1.3";
    private const string QcComplianceOid = "0.4.0.1862.1.1";
    private const string QcSscdOid = "0.4.0.1862.1.4";

    public static (IReadOnlyList<CertificateView> Certificates, IReadOnlyList<KeyView> Keys) Classify(IReadOnlyList<TokenObject> objects)
    {
        var keys = objects.Where(o => o.Class is CKO.CKO_PRIVATE_KEY or CKO.CKO_PUBLIC_KEY).ToArray();
        var certificates = objects
            .Where(o => o.Class == CKO.CKO_CERTIFICATE && o[CKA.CKA_VALUE] is { Length: > 0 })
            .Select(o => (Object: o, Certificate: TryLoad(o[CKA.CKA_VALUE]!)))
            .Where(c => c.Certificate is not null)
            .ToArray();

        try
        {
            var certificateViews = certificates
                .Select(c => ToView(c.Object, c.Certificate!, keys.Any(k => Pairs(k, c.Object, c.Certificate!))))
                .ToArray();
            var keyViews = keys
                .Select(k => ToView(k, certificates.Any(c => Pairs(k, c.Object, c.Certificate!))))
                .ToArray();
            return (certificateViews, keyViews);
        }
        finally
        {
            foreach (var (_, certificate) in certificates)
            {
                certificate!.Dispose();
            }
        }
    }

    private static X509Certificate2? TryLoad(byte[] der)
    {
        try
        {
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static bool Pairs(TokenObject key, TokenObject certificateObject, X509Certificate2 certificate)
    {
        if (key.Id.Length > 0 && key.Id.AsSpan().SequenceEqual(certificateObject.Id))
        {
            return true;
        }

        var certificatePublic = PublicKeyMaterial(certificate);
        if (certificatePublic is null)
        {
            return false;
        }

        // A raw CKA_EC_POINT can itself read as a DER OCTET STRING (when X starts with 3F 02..04), which the
        // unwrapping heuristic then mangles: compare the point as the module returned it, too.
        return (PublicKeyMaterial(key) is { } keyPublic && keyPublic.AsSpan().SequenceEqual(certificatePublic))
            || (key[CKA.CKA_EC_POINT] is { Length: > 0 } point && point.AsSpan().SequenceEqual(certificatePublic));
    }

    /// <summary>The RSA modulus or the EC point of a key object, normalised for comparison.</summary>
    internal static byte[]? PublicKeyMaterial(TokenObject key)
    {
        if (key[CKA.CKA_MODULUS] is { Length: > 0 } modulus)
        {
            return TrimLeadingZeros(modulus);
        }

        return key[CKA.CKA_EC_POINT] is { Length: > 0 } point ? UnwrapOctetString(point) : null;
    }

    internal static byte[]? PublicKeyMaterial(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return TrimLeadingZeros(rsa.ExportParameters(false).Modulus!);
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            var q = ecdsa.ExportParameters(false).Q;
            return [0x04, .. q.X!, .. q.Y!];
        }

        return null;
    }

    /// <summary>CKA_EC_POINT is a DER OCTET STRING in the standard, but some modules return the raw point.</summary>
    internal static byte[] UnwrapOctetString(byte[] value)
    {
        try
        {
            var inner = AsnDecoder.ReadOctetString(value, AsnEncodingRules.DER, out var consumed);
            var looksLikePoint = inner.Length > 1 && inner[0] is 0x02 or 0x03 or 0x04;
            return consumed == value.Length && looksLikePoint ? inner : value;
        }
        catch (AsnContentException)
        {
            return value;
        }
    }

    private static byte[] TrimLeadingZeros(byte[] value)
    {
        var start = 0;
        while (start < value.Length - 1 && value[start] == 0)
        {
            start++;
        }

        return value[start..];
    }

    private static CertificateView ToView(TokenObject certificateObject, X509Certificate2 certificate, bool hasKey)
    {
        var (qualified, qscd) = QcStatements(certificate);
        return new CertificateView(
            certificateObject.IdHex,
            certificateObject.Label,
            certificate.Subject,
            certificate.Issuer,
            certificate.SerialNumber,
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            qualified,
            qscd,
            Convert.ToHexString(SHA256.HashData(certificate.RawData)),
            hasKey);
    }

    /// <summary>Reads the ETSI QC statements: QcCompliance marks a qualified certificate, QcSSCD a key on a QSCD.</summary>
    internal static (bool Qualified, bool OnQscd) QcStatements(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions[QcStatementsOid];
        if (extension is null)
        {
            return (false, false);
        }

        var statements = new List<string>();
        try
        {
            var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (sequence.HasData)
            {
                var statement = sequence.ReadSequence();
                statements.Add(statement.ReadObjectIdentifier());
            }
        }
        catch (AsnContentException)
        {
            return (false, false);
        }

        return (statements.Contains(QcComplianceOid), statements.Contains(QcSscdOid));
    }

    private static KeyView ToView(TokenObject key, bool hasCertificate)
    {
        var keyType = AttributeValue.Ulong(key[CKA.CKA_KEY_TYPE]) is { } type ? (CKK)type : (CKK?)null;
        var (typeName, size, curve) = keyType switch
        {
            CKK.CKK_RSA => ("RSA", RsaSize(key), null),
            CKK.CKK_EC => EcDescription(key[CKA.CKA_EC_PARAMS]),
            null => ("?", (int?)null, (string?)null),
            _ => (keyType.Value.ToString().Replace("CKK_", "", StringComparison.Ordinal), null, null),
        };

        var role = DeviceModelCatalogue.IsServiceKeyLabel(key.Label) ? KeyRole.ServiceKey
            : hasCertificate ? KeyRole.Certified
            : KeyRole.Orphan;

        return new KeyView(
            key.Class == CKO.CKO_PRIVATE_KEY ? KeyClass.Private : KeyClass.Public,
            key.IdHex,
            key.Label,
            typeName,
            size,
            curve,
            role,
            AttributeValue.Bool(key[CKA.CKA_SENSITIVE]),
            AttributeValue.Bool(key[CKA.CKA_EXTRACTABLE]),
            AttributeValue.Bool(key[CKA.CKA_ALWAYS_AUTHENTICATE]));
    }

    private static int? RsaSize(TokenObject key) =>
        AttributeValue.Ulong(key[CKA.CKA_MODULUS_BITS]) is { } bits ? (int)bits
        : key[CKA.CKA_MODULUS] is { Length: > 0 } modulus ? TrimLeadingZeros(modulus).Length * 8
        : null;

    private static (string, int?, string?) EcDescription(byte[]? parameters)
    {
        string? oid = null;
        if (parameters is { Length: > 0 })
        {
            try
            {
                oid = AsnDecoder.ReadObjectIdentifier(parameters, AsnEncodingRules.DER, out _);
            }
            catch (AsnContentException)
            {
            }
        }

        return oid switch
        {
            "1.2.840.10045.3.1.7" => ("EC", 256, "P-256"),
            "1.3.132.0.34" => ("EC", 384, "P-384"),
            "1.3.132.0.35" => ("EC", 521, "P-521"),
            _ => ("EC", null, oid),
        };
    }
}

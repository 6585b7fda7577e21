using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tokens;

namespace Qtsp.Agent.Tests.Tokens;

/// <summary>Hand-built token objects and readings, shaped the way TokenReader builds them from a module.</summary>
internal static class TokenObjects
{
    public const string P256Oid = "1.2.840.10045.3.1.7";
    public const string P384Oid = "1.3.132.0.34";
    public const string QcStatementsOid = "1.3.6.1.5.5.7.1.3";
    public const string QcComplianceOid = "0.4.0.1862.1.1";
    public const string QcSscdOid = "0.4.0.1862.1.4";
    public const string QcTypeOid = "0.4.0.1862.1.6";
    public const string QcTypeESignOid = "0.4.0.1862.1.6.1";

    public static TokenObject Object(CKO objectClass, string label, string idHex, params (CKA Type, byte[]? Value)[] attributes)
    {
        var all = new Dictionary<CKA, byte[]?>
        {
            [CKA.CKA_CLASS] = AttributeValue.EncodeUlong((ulong)objectClass),
            [CKA.CKA_LABEL] = System.Text.Encoding.UTF8.GetBytes(label),
            [CKA.CKA_ID] = Convert.FromHexString(idHex),
        };
        foreach (var (type, value) in attributes)
        {
            all[type] = value;
        }

        return new TokenObject(objectClass, label, Convert.FromHexString(idHex), all);
    }

    public static TokenObject Certificate(string label, string idHex, byte[] der) =>
        Object(CKO.CKO_CERTIFICATE, label, idHex, (CKA.CKA_CERTIFICATE_TYPE, AttributeValue.EncodeUlong((ulong)CKC.CKC_X_509)), (CKA.CKA_VALUE, der));

    /// <summary>An RSA key object; modules may return the modulus with a leading zero byte.</summary>
    public static TokenObject RsaKey(CKO objectClass, string label, string idHex, RSA key, bool leadingZero = false, bool withModulusBits = true)
    {
        var modulus = key.ExportParameters(false).Modulus!;
        return Object(
            objectClass,
            label,
            idHex,
            (CKA.CKA_KEY_TYPE, AttributeValue.EncodeUlong((ulong)CKK.CKK_RSA)),
            (CKA.CKA_MODULUS, leadingZero ? [0, .. modulus] : modulus),
            (CKA.CKA_MODULUS_BITS, withModulusBits ? AttributeValue.EncodeUlong((ulong)key.KeySize) : null),
            (CKA.CKA_SENSITIVE, objectClass == CKO.CKO_PRIVATE_KEY ? [1] : null),
            (CKA.CKA_EXTRACTABLE, objectClass == CKO.CKO_PRIVATE_KEY ? [0] : null),
            (CKA.CKA_ALWAYS_AUTHENTICATE, objectClass == CKO.CKO_PRIVATE_KEY ? [0] : null));
    }

    /// <summary>An EC key object with its point DER-wrapped (as the standard says) or raw (as some modules return it).</summary>
    public static TokenObject EcKey(CKO objectClass, string label, string idHex, ECDsa key, bool derWrapped = true, string curveOid = P256Oid)
    {
        var point = UncompressedPoint(key);
        return Object(
            objectClass,
            label,
            idHex,
            (CKA.CKA_KEY_TYPE, AttributeValue.EncodeUlong((ulong)CKK.CKK_EC)),
            (CKA.CKA_EC_PARAMS, Oid(curveOid)),
            (CKA.CKA_EC_POINT, derWrapped ? OctetString(point) : point));
    }

    public static byte[] UncompressedPoint(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return [0x04, .. q.X!, .. q.Y!];
    }

    public static byte[] Oid(string oid)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteObjectIdentifier(oid);
        return writer.Encode();
    }

    public static byte[] OctetString(byte[] content)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(content);
        return writer.Encode();
    }

    /// <summary>A certificate for <paramref name="key"/>, self-signed, with the given extensions.</summary>
    public static X509Certificate2 SelfSigned(AsymmetricAlgorithm key, string subject, params X509Extension[] extensions)
    {
        var request = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or ECDsa", nameof(key)),
        };
        foreach (var extension in extensions)
        {
            request.CertificateExtensions.Add(extension);
        }

        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
    }

    /// <summary>The ETSI QcStatements extension (RFC 3739): a sequence of statements, each an OID with optional info.</summary>
    public static X509Extension QcStatements(params string[] statementOids)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach (var oid in statementOids)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    if (oid == QcTypeOid)
                    {
                        // statementInfo: SEQUENCE OF QcType OIDs (esign)
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(QcTypeESignOid);
                        }
                    }
                }
            }
        }

        return new X509Extension(QcStatementsOid, writer.Encode(), critical: false);
    }
}

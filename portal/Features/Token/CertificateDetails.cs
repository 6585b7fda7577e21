using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Features.Token;

/// <summary>What a holder wants to know about a certificate, read from its DER: the CA tools' certificate detail.</summary>
public sealed record CertificateDetails(
    string Subject,
    string Issuer,
    string SerialNumber,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string PublicKey,
    IReadOnlyList<string> KeyUsages,
    IReadOnlyList<string> Policies,
    IReadOnlyList<string> QcStatements,
    string Sha1,
    string Sha256)
{
    private static readonly Dictionary<string, string> KnownPolicies = new()
    {
        ["0.4.0.194112.1.0"] = "QCP-n",
        ["0.4.0.194112.1.1"] = "QCP-l",
        ["0.4.0.194112.1.2"] = "QCP-n-qscd",
        ["0.4.0.194112.1.3"] = "QCP-l-qscd",
        ["0.4.0.194112.1.4"] = "QCP-w",
        ["0.4.0.2042.1.1"] = "NCP",
        ["0.4.0.2042.1.2"] = "NCP+",
        ["0.4.0.2042.1.3"] = "LCP",
    };

    private static readonly Dictionary<string, string> KnownStatements = new()
    {
        ["0.4.0.1862.1.1"] = "QcCompliance",
        ["0.4.0.1862.1.3"] = "QcRetentionPeriod",
        ["0.4.0.1862.1.4"] = "QcSSCD (QESCD)",
        ["0.4.0.1862.1.5"] = "QcPDS",
        ["0.4.0.1862.1.6"] = "QcType",
        ["0.4.0.1862.1.6.1"] = "esign",
        ["0.4.0.1862.1.6.2"] = "eseal",
        ["0.4.0.1862.1.6.3"] = "web",
        ["1.3.6.1.5.5.7.11.2"] = "QcSemanticsId",
        ["0.4.0.194121.1.1"] = "natural person",
    };

    public static CertificateDetails? TryRead(byte[] encoded)
    {
        try
        {
            using var certificate = Load(encoded);
            return From(certificate);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>A certificate from a file as users have them: DER or PEM.</summary>
    public static X509Certificate2 Load(byte[] encoded)
    {
        var text = System.Text.Encoding.ASCII.GetString(encoded);
        return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
            ? X509Certificate2.CreateFromPem(text)
            : X509CertificateLoader.LoadCertificate(encoded);
    }

    public static CertificateDetails From(X509Certificate2 certificate) => new(
        certificate.Subject,
        certificate.Issuer,
        certificate.SerialNumber,
        new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
        new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
        PublicKeyOf(certificate),
        certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } usage
            ? Enum.GetValues<X509KeyUsageFlags>().Where(f => f != X509KeyUsageFlags.None && usage.KeyUsages.HasFlag(f)).Select(f => f.ToString()).ToArray()
            : [],
        ReadPolicies(certificate),
        ReadStatements(certificate),
        certificate.GetCertHashString(HashAlgorithmName.SHA1),
        certificate.GetCertHashString(HashAlgorithmName.SHA256));

    private static string PublicKeyOf(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return $"RSA {rsa.KeySize}";
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        return ecdsa is not null ? $"EC {ecdsa.KeySize}" : certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value ?? "?";
    }

    private static string[] ReadPolicies(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["2.5.29.32"];
        if (extension is null)
        {
            return [];
        }

        var policies = new List<string>();
        var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        while (sequence.HasData)
        {
            var policy = sequence.ReadSequence();
            var oid = policy.ReadObjectIdentifier();
            policies.Add(KnownPolicies.TryGetValue(oid, out var name) ? $"{name} ({oid})" : oid);
        }

        return [.. policies];
    }

    private static string[] ReadStatements(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["1.3.6.1.5.5.7.1.3"];
        if (extension is null)
        {
            return [];
        }

        var statements = new List<string>();
        var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        while (sequence.HasData)
        {
            var statement = sequence.ReadSequence();
            var oid = statement.ReadObjectIdentifier();
            var name = KnownStatements.GetValueOrDefault(oid, oid);
            if (oid == "0.4.0.1862.1.6" && statement.HasData)
            {
                var types = statement.ReadSequence();
                var kinds = new List<string>();
                while (types.HasData)
                {
                    var type = types.ReadObjectIdentifier();
                    kinds.Add(KnownStatements.GetValueOrDefault(type, type));
                }

                name = $"{name}: {string.Join(", ", kinds)}";
            }
            else if (oid == "1.3.6.1.5.5.7.11.2" && statement.HasData
                && statement.ReadSequence() is { HasData: true } semantics && semantics.PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
            {
                var semanticsId = semantics.ReadObjectIdentifier();
                name = $"{name}: {KnownStatements.GetValueOrDefault(semanticsId, semanticsId)}";
            }

            statements.Add(name);
        }

        return [.. statements];
    }
}

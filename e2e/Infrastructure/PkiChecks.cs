using System.Security.Cryptography.X509Certificates;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Infrastructure;

/// <summary>The independent judges of what the CA issued: pkcs11-tool reading the device, openssl verifying through AIA.</summary>
public static class PkiChecks
{
    /// <summary>The certificate pkcs11-tool reads from the qualified area, which must sit under the CKA_ID of a private key there.</summary>
    public static async Task<X509Certificate2> CertificateOnDeviceAsync(DemoDevice demo, string serial)
    {
        var objects = await demo.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin);
        foreach (var certificate in objects.Where(o => o.Kind == "Certificate"))
        {
            var file = Path.Combine(RepositoryPaths.NewTemporaryDirectory("e2e-lifecycle"), "certificate.der");
            (await demo.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "--read-object", "--type", "cert", "--id", certificate.IdHex, "--output-file", file)).ExitCode.ShouldBe(0);
            var parsed = X509CertificateLoader.LoadCertificateFromFile(file);
            if (parsed.SerialNumber == serial)
            {
                objects.ShouldContain(o => o.Kind == "Private Key" && o.IdHex == certificate.IdHex, "the certificate sits next to its key");
                return parsed;
            }
        }

        throw new ShouldAssertException($"No certificate {serial} on the device.");
    }

    /// <summary>openssl verify with the issuing CA and the root fetched from the URLs the certificates name (AIA caIssuers).</summary>
    public static async Task VerifyThroughAiaAsync(X509Certificate2 leaf)
    {
        using var http = new HttpClient();
        var directory = RepositoryPaths.NewTemporaryDirectory("e2e-aia");
        var issuing = X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync(CaIssuers(leaf)));
        var root = X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync(CaIssuers(issuing)));
        await File.WriteAllTextAsync(Path.Combine(directory, "leaf.pem"), leaf.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(directory, "issuing.pem"), issuing.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(directory, "root.pem"), root.ExportCertificatePem());
        var verify = await ProcessRunner.RunAsync("openssl", ["verify", "-CAfile", Path.Combine(directory, "root.pem"), "-untrusted", Path.Combine(directory, "issuing.pem"), Path.Combine(directory, "leaf.pem")]);
        verify.Combined.ShouldContain("leaf.pem: OK");
    }

    public static string CaIssuers(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509AuthorityInformationAccessExtension>().Single().EnumerateCAIssuersUris().Single();

    /// <summary>asn1parse of the certificate's qcStatements value (asn1parse does not open an extension's OCTET STRING by itself).</summary>
    public static async Task<string> QcStatementsAsn1Async(string derFile)
    {
        var lines = (await ProcessRunner.RunCheckedAsync("openssl", ["asn1parse", "-inform", "DER", "-in", derFile])).Output.Split('\n');
        var extension = Array.FindIndex(lines, l => l.EndsWith(":qcStatements", StringComparison.Ordinal));
        extension.ShouldBeGreaterThanOrEqualTo(0, "the certificate has a qcStatements extension");
        var offset = lines[extension + 1].Trim().Split(':')[0];
        return (await ProcessRunner.RunCheckedAsync("openssl", ["asn1parse", "-inform", "DER", "-in", derFile, "-strparse", offset])).Output;
    }

    /// <summary>The issuing CA and root fetched through the AIA as PEM files, and the OCSP URL the certificate names.</summary>
    public static async Task<FetchedChain> FetchChainAsync(X509Certificate2 leaf, string directory)
    {
        using var http = new HttpClient();
        var aia = leaf.Extensions.OfType<X509AuthorityInformationAccessExtension>().Single();
        using var issuing = X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync(aia.EnumerateCAIssuersUris().Single()));
        using var root = X509CertificateLoader.LoadCertificate(await http.GetByteArrayAsync(CaIssuers(issuing)));
        var chain = new FetchedChain(Path.Combine(directory, "leaf.pem"), Path.Combine(directory, "issuing.pem"), Path.Combine(directory, "root.pem"), Path.Combine(directory, "bundle.pem"),
            aia.EnumerateOcspUris().Single());
        await File.WriteAllTextAsync(chain.Leaf, leaf.ExportCertificatePem());
        await File.WriteAllTextAsync(chain.Issuing, issuing.ExportCertificatePem());
        await File.WriteAllTextAsync(chain.Root, root.ExportCertificatePem());
        await File.WriteAllTextAsync(chain.Bundle, issuing.ExportCertificatePem() + "\n" + root.ExportCertificatePem());
        return chain;
    }

    /// <summary>`openssl ocsp` for the chain's leaf at the URL its AIA names, the response verified against the chain.</summary>
    public static async Task<string> OcspAsync(FetchedChain chain) =>
        (await ProcessRunner.RunCheckedAsync("openssl", ["ocsp", "-issuer", chain.Issuing, "-cert", chain.Leaf, "-url", chain.OcspUrl, "-CAfile", chain.Bundle])).Combined;
}

/// <summary>PEM files of a certificate, its issuing CA, the root and a bundle of both CAs; the OCSP URL from the AIA.</summary>
public sealed record FetchedChain(string Leaf, string Issuing, string Root, string Bundle, string OcspUrl);

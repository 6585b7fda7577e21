using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Portal.Ca;

namespace Qtsp.Portal.Tests.Ca;

/// <summary>What each profile puts into a certificate, as openssl reads it, and that openssl accepts the chain.</summary>
[Collection(CaOnSoftHsm.Name)]
public sealed class ProfileTests(IssuingCaFixture ca) : IClassFixture<IssuingCaFixture>
{
    private const string QcStatements = "qcStatements";
    private const string PkixQcSyntaxV2 = "1.3.6.1.5.5.7.11.2";
    private const string QcCompliance = "0.4.0.1862.1.1";
    private const string QcSscd = "0.4.0.1862.1.4";
    private const string QcPds = "0.4.0.1862.1.5";
    private const string QcType = "0.4.0.1862.1.6";
    private const string QcTypeEsign = "0.4.0.1862.1.6.1";
    private const string SemanticsNaturalPerson = "0.4.0.194121.1.1";
    private const string QcpN = "0.4.0.194112.1.0";
    private const string QcpNQscd = "0.4.0.194112.1.2";
    private const string Ncp = "0.4.0.2042.1.1";
    private const string NcpPlus = "0.4.0.2042.1.2";

    [Fact]
    public async Task Qualified_on_a_qscd_chains_to_the_root_and_carries_the_qualified_statements_with_QcSSCD_and_QCP_n_qscd()
    {
        var leaf = await ca.IssueAsync(IssuanceRequests.Qualified(SubjectKeys.EcP256(), keyOnQscd: true));

        var verify = await OpensslJudge.VerifyAsync(ca.CaCertificates[CaNames.Root], ca.CaCertificates[CaNames.Qualified], leaf);
        verify.ExitCode.ShouldBe(0, verify.Combined);
        verify.Output.ShouldContain("leaf.pem: OK");

        var objects = OpensslJudge.Objects(await OpensslJudge.Asn1Async(leaf));
        objects.ShouldContain(QcStatements);
        objects.ShouldContain(PkixQcSyntaxV2);
        objects.ShouldContain(SemanticsNaturalPerson);
        objects.ShouldContain(QcCompliance);
        objects.ShouldContain(QcSscd);
        objects.ShouldContain(QcType);
        objects.ShouldContain(QcTypeEsign);
        objects.ShouldContain(QcPds);
        objects.ShouldContain(QcpNQscd);
        objects.ShouldNotContain(QcpN);
        objects.ShouldContain(CaOptions.ExamplePolicyOid);
        objects.ShouldNotContain(Ncp);
        objects.ShouldNotContain(NcpPlus);

        var text = await OpensslJudge.TextAsync(leaf);
        text.ShouldContain("Signature Algorithm: ecdsa-with-SHA256");
        KeyUsageOf(text).ShouldBe("critical|Non Repudiation");
        text.ShouldNotContain("Extended Key Usage");
        text.Split('\n').Single(l => l.Trim().StartsWith("Subject:", StringComparison.Ordinal)).Trim()
            .ShouldBe("Subject: C = CZ, SN = Nov\\C3\\A1k, GN = Jan, serialNumber = PNOCZ-8001011234, CN = Jan Nov\\C3\\A1k");
        text.ShouldContain($"CA Issuers - URI:{CaRig.PublicBaseUrl}/pki/qualified-ca.crt");
        text.ShouldContain($"OCSP - URI:{CaRig.PublicBaseUrl}/pki/ocsp");
        text.ShouldContain($"URI:{CaRig.PublicBaseUrl}/pki/qualified-ca.crl");
        text.ShouldContain("X509v3 Subject Key Identifier");
        text.ShouldContain("X509v3 Authority Key Identifier");
    }

    [Fact]
    public async Task Qualified_without_a_qscd_has_no_QcSSCD_and_the_policy_QCP_n()
    {
        var leaf = await ca.IssueAsync(IssuanceRequests.Qualified(SubjectKeys.Rsa2048(), keyOnQscd: false));

        var verify = await OpensslJudge.VerifyAsync(ca.CaCertificates[CaNames.Root], ca.CaCertificates[CaNames.Qualified], leaf);
        verify.ExitCode.ShouldBe(0, verify.Combined);
        var objects = OpensslJudge.Objects(await OpensslJudge.Asn1Async(leaf));
        objects.ShouldContain(QcCompliance);
        objects.ShouldNotContain(QcSscd);
        objects.ShouldContain(QcpN);
        objects.ShouldNotContain(QcpNQscd);
        KeyUsageOf(await OpensslJudge.TextAsync(leaf)).ShouldBe("critical|Non Repudiation");
    }

    [Fact]
    public async Task The_QcPDS_names_a_Czech_and_an_English_statement_and_the_own_policy_a_Czech_notice()
    {
        var leaf = await ca.IssueAsync(IssuanceRequests.Qualified(SubjectKeys.EcP256()));

        var asn1 = await OpensslJudge.Asn1Async(leaf);
        asn1.ShouldContain("IA5STRING         :https://qtsp.invalid/pds/pds-cs.pdf");
        asn1.ShouldContain("PRINTABLESTRING   :cs");
        asn1.ShouldContain("IA5STRING         :https://qtsp.invalid/pds/pds-en.pdf");
        asn1.ShouldContain("PRINTABLESTRING   :en");
        var text = await OpensslJudge.TextAsync(leaf);
        text.ShouldContain("Explicit Text: Certifikát vydaný podle certifikační politiky poskytovatele");
    }

    [Fact]
    public async Task Commercial_rsa_on_a_secure_device_has_NCP_plus_signature_and_encipherment_email_protection_client_auth_and_the_email()
    {
        var leaf = await ca.IssueAsync(IssuanceRequests.Commercial(SubjectKeys.Rsa2048(), keyOnSecureDevice: true));

        var verify = await OpensslJudge.VerifyAsync(ca.CaCertificates[CaNames.Root], ca.CaCertificates[CaNames.Commercial], leaf);
        verify.ExitCode.ShouldBe(0, verify.Combined);
        var objects = OpensslJudge.Objects(await OpensslJudge.Asn1Async(leaf));
        objects.ShouldContain(NcpPlus);
        objects.ShouldNotContain(Ncp);
        objects.ShouldNotContain(QcStatements);
        objects.ShouldNotContain(QcpN);
        objects.ShouldNotContain(QcpNQscd);
        var text = await OpensslJudge.TextAsync(leaf);
        KeyUsageOf(text).ShouldBe("critical|Digital Signature, Key Encipherment");
        text.ShouldContain("E-mail Protection, TLS Web Client Authentication");
        text.ShouldContain("email:jan.novak@example.test");
        text.ShouldContain($"CA Issuers - URI:{CaRig.PublicBaseUrl}/pki/commercial-ca.crt");
        text.ShouldContain($"URI:{CaRig.PublicBaseUrl}/pki/commercial-ca.crl");
    }

    [Fact]
    public async Task Commercial_ec_elsewhere_has_NCP_and_digital_signature_only()
    {
        var leaf = await ca.IssueAsync(IssuanceRequests.Commercial(SubjectKeys.EcP256(), keyOnSecureDevice: false));

        var objects = OpensslJudge.Objects(await OpensslJudge.Asn1Async(leaf));
        objects.ShouldContain(Ncp);
        objects.ShouldNotContain(NcpPlus);
        KeyUsageOf(await OpensslJudge.TextAsync(leaf)).ShouldBe("critical|Digital Signature");
    }

    [Fact]
    public async Task Serial_numbers_are_16_byte_positive_random_and_checked_against_the_registry()
    {
        var first = X509CertificateLoader.LoadCertificate(await ca.IssueAsync(IssuanceRequests.Commercial(SubjectKeys.EcP256())));
        var second = X509CertificateLoader.LoadCertificate(await ca.IssueAsync(IssuanceRequests.Commercial(SubjectKeys.EcP256())));

        first.SerialNumber.ShouldNotBe(second.SerialNumber);
        foreach (var certificate in new[] { first, second })
        {
            var serial = certificate.SerialNumberBytes.ToArray(); // big-endian as in the DER INTEGER
            serial.Length.ShouldBe(16);
            (serial[0] & 0x80).ShouldBe(0);
            ca.Rig.Serials.Asked.ShouldContainKey(certificate.SerialNumber);
        }
    }

    [Fact]
    public async Task The_ca_certificates_are_a_root_and_two_issuing_cas_with_ca_constraints_and_key_identifiers()
    {
        var root = await OpensslJudge.TextAsync(ca.CaCertificates[CaNames.Root]);
        root.ShouldContain("CA:TRUE, pathlen:1");
        KeyUsageOf(root).ShouldBe("critical|Certificate Sign, CRL Sign");
        foreach (var issuing in new[] { CaNames.Qualified, CaNames.Commercial })
        {
            var text = await OpensslJudge.TextAsync(ca.CaCertificates[issuing]);
            text.ShouldContain("X509v3 Basic Constraints: critical");
            text.ShouldContain("CA:TRUE, pathlen:0");
            KeyUsageOf(text).ShouldBe("critical|Certificate Sign, CRL Sign");
            text.ShouldContain("X509v3 Subject Key Identifier");
            text.ShouldContain("X509v3 Authority Key Identifier");

            var chain = await ProcessRunnerVerify(ca.CaCertificates[CaNames.Root], ca.CaCertificates[issuing]);
            chain.ShouldBe(0);
        }
    }

    private static async Task<int> ProcessRunnerVerify(byte[] root, byte[] issuing)
    {
        var work = Qtsp.TestSupport.RepositoryPaths.NewTemporaryDirectory("ca-verify-ca");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work, "root.pem"), OpensslJudge.Pem(root));
            await File.WriteAllTextAsync(Path.Combine(work, "issuing.pem"), OpensslJudge.Pem(issuing));
            return (await Qtsp.TestSupport.ProcessRunner.RunAsync("openssl", ["verify", "-x509_strict", "-CAfile", "root.pem", "issuing.pem"], workingDirectory: work)).ExitCode;
        }
        finally
        {
            Qtsp.TestSupport.RepositoryPaths.DeleteQuietly(work);
        }
    }

    /// <summary>"critical|Non Repudiation": the criticality and the usages as openssl's text shows them.</summary>
    private static string KeyUsageOf(string text)
    {
        var lines = text.Split('\n');
        var index = Array.FindIndex(lines, l => l.Trim().StartsWith("X509v3 Key Usage", StringComparison.Ordinal));
        index.ShouldBeGreaterThanOrEqualTo(0, "no key usage");
        var critical = lines[index].Contains("critical", StringComparison.Ordinal) ? "critical" : "";
        return critical + "|" + lines[index + 1].Trim();
    }

    internal static byte[] EcPublicKeyOn(string curveOid, int pointLength)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.10045.2.1");
                writer.WriteObjectIdentifier(curveOid);
            }

            var point = new byte[pointLength];
            point[0] = 4;
            writer.WriteBitString(point);
        }

        return writer.Encode();
    }
}

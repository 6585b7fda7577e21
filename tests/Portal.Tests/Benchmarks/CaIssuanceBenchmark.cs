using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Tests.Ca;
using Qtsp.TestSupport;
using Xunit.Abstractions;

namespace Qtsp.Portal.Tests.Benchmarks;

/// <summary>
/// Issuance of a qualified certificate (a CSR's public key in, DER out) by the embedded CA with its issuing key in
/// SoftHSM2, against the same engine with in-memory .NET keys and against openssl with the same kind of key in a file:
/// one openssl process per certificate, and one `openssl ca` run issuing a whole batch. Rounds are repeated and the
/// medians compared. Run with eng/bench.sh.
/// </summary>
[Trait("Category", "Benchmark")]
[Collection(CaOnSoftHsm.Name)]
public sealed class CaIssuanceBenchmark(ITestOutputHelper output)
{
    private const int Rounds = 5;
    private const int EngineCertificates = 200;
    private const int OpensslProcesses = 25;
    private const int OpensslBatch = 200;

    [Theory]
    [InlineData(CaKeyType.Rsa2048)]
    [InlineData(CaKeyType.EcP256)]
    public async Task Issuance_throughput_against_in_memory_keys_and_openssl(CaKeyType keyType)
    {
        await CaSoftHsm.GetAsync();
        using var rig = new CaRig(keyType == CaKeyType.Rsa2048 ? CaSoftHsm.BenchmarkRsaToken : CaSoftHsm.BenchmarkEcToken, issuingKey: keyType, rootKey: keyType);
        var token = rig.NewAuthority();
        await token.StartAsync();
        using var memoryKey = keyType == CaKeyType.Rsa2048 ? (AsymmetricAlgorithm)RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var inMemory = InMemoryIssuer(rig, memoryKey);
        var subjectKey = SubjectKeys.EcP256();

        var work = RepositoryPaths.NewTemporaryDirectory("ca-bench");
        try
        {
            await PrepareOpensslAsync(work, keyType);
            var tokenTimes = new List<double>();
            var memoryTimes = new List<double>();
            var processTimes = new List<double>();
            var batchTimes = new List<double>();
            await IssueManyAsync(token.IssueAsync, subjectKey, 20); // warm-up: JIT, session pool
            await IssueManyAsync(inMemory.IssueAsync, subjectKey, 20);
            for (var round = 0; round < Rounds; round++)
            {
                tokenTimes.Add(await IssueManyAsync(token.IssueAsync, subjectKey, EngineCertificates));
                memoryTimes.Add(await IssueManyAsync(inMemory.IssueAsync, subjectKey, EngineCertificates));
                processTimes.Add(await OpensslPerProcessAsync(work));
                batchTimes.Add(await OpensslBatchAsync(work, round));
            }

            double token_ = Median(tokenTimes), memory = Median(memoryTimes), process = Median(processTimes), batch = Median(batchTimes);
            output.WriteLine(FormattableString.Invariant($"{keyType} issuing key, ms per certificate (median of {Rounds} rounds):"));
            output.WriteLine(FormattableString.Invariant($"  engine, key in SoftHSM2:       {token_:0.000} ms ({1000 / token_:0} /s)"));
            output.WriteLine(FormattableString.Invariant($"  engine, in-memory .NET key:    {memory:0.000} ms ({1000 / memory:0} /s)"));
            output.WriteLine(FormattableString.Invariant($"  openssl x509 -req per process: {process:0.000} ms ({1000 / process:0} /s)"));
            output.WriteLine(FormattableString.Invariant($"  openssl ca, batch of {OpensslBatch}:     {batch:0.000} ms ({1000 / batch:0} /s)"));
            output.WriteLine(FormattableString.Invariant($"  ratios: token/in-memory {token_ / memory:0.00}x, token/openssl-process {token_ / process:0.00}x, token/openssl-batch {token_ / batch:0.00}x"));
            token_.ShouldBeGreaterThan(0);
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(work);
        }
    }

    private static CertificateIssuer InMemoryIssuer(CaRig rig, AsymmetricAlgorithm key)
    {
        var name = new X500DistinguishedName("CN=In-memory benchmark CA");
        var (request, signer) = key switch
        {
            RSA rsa => (new CertificateRequest(name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)),
            ECDsa ec => (new CertificateRequest(name, ec, HashAlgorithmName.SHA256), X509SignatureGenerator.CreateForECDsa(ec)),
            _ => throw new ArgumentOutOfRangeException(nameof(key)),
        };
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        var ca = new IssuingCa("memory-ca", certificate, signer);
        return new CertificateIssuer(ca, ca, rig.Options, rig.Pki, rig.Serials, TimeProvider.System);
    }

    private static async Task<double> IssueManyAsync(Func<IssuanceRequest, CancellationToken, Task<IssuanceResult>> issue, byte[] subjectKey, int count)
    {
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            (await issue(IssuanceRequests.Qualified(subjectKey), CancellationToken.None)).ShouldBeOfType<IssuedCertificate>();
        }

        return stopwatch.Elapsed.TotalMilliseconds / count;
    }

    private static async Task PrepareOpensslAsync(string work, CaKeyType keyType)
    {
        string[] algorithm = keyType == CaKeyType.Rsa2048 ? ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"] : ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];
        await Openssl(work, ["genpkey", .. algorithm, "-out", "ca.key"]);
        await Openssl(work, ["req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=openssl benchmark CA", "-days", "3650", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
        await Openssl(work, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "holder.key"]);
        await Openssl(work, ["req", "-new", "-key", "holder.key", "-subj", "/C=CZ/SN=Novak/GN=Jan/serialNumber=PNOCZ-8001011234/CN=Jan Novak", "-out", "holder.csr"]);
        // The qualified profile as far as openssl's configuration can say it; qcStatements as DER.
        var extensions = $"""
            keyUsage = critical,nonRepudiation
            certificatePolicies = 0.4.0.194112.1.2,1.3.6.1.4.1.99999.1.1
            1.3.6.1.5.5.7.1.3 = {DemoCa.QcStatementsDer}
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            authorityInfoAccess = caIssuers;URI:https://portal.example.test/pki/qualified-ca.crt,OCSP;URI:https://portal.example.test/pki/ocsp
            crlDistributionPoints = URI:https://portal.example.test/pki/qualified-ca.crl

            """;
        await File.WriteAllTextAsync(Path.Combine(work, "leaf.ext"), extensions);
        await File.WriteAllTextAsync(Path.Combine(work, "ca.cnf"), $"""
            [ca]
            default_ca = bench
            [bench]
            dir = {work}
            database = $dir/index.txt
            new_certs_dir = $dir/issued
            certificate = $dir/ca.pem
            private_key = $dir/ca.key
            serial = $dir/serial
            rand_serial = yes
            default_md = sha256
            default_days = 365
            unique_subject = no
            policy = any
            x509_extensions = leaf
            [any]
            commonName = supplied
            [leaf]
            {extensions}
            """);
    }

    private static async Task<double> OpensslPerProcessAsync(string work)
    {
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < OpensslProcesses; i++)
        {
            await Openssl(work, ["x509", "-req", "-in", "holder.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0x" + Convert.ToHexString(RandomNumberGenerator.GetBytes(15)),
                "-days", "365", "-sha256", "-extfile", "leaf.ext", "-outform", "DER", "-out", "leaf.der"]);
        }

        return stopwatch.Elapsed.TotalMilliseconds / OpensslProcesses;
    }

    private static async Task<double> OpensslBatchAsync(string work, int round)
    {
        var issued = Path.Combine(work, "issued");
        RepositoryPaths.DeleteQuietly(issued);
        Directory.CreateDirectory(issued);
        await File.WriteAllTextAsync(Path.Combine(work, "index.txt"), "");
        var stopwatch = Stopwatch.StartNew();
        await Openssl(work, ["ca", "-batch", "-notext", "-config", "ca.cnf", "-out", $"batch-{round.ToString(CultureInfo.InvariantCulture)}.pem", "-infiles", .. Enumerable.Repeat("holder.csr", OpensslBatch)]);
        var elapsed = stopwatch.Elapsed.TotalMilliseconds / OpensslBatch;
        Directory.GetFiles(issued).Length.ShouldBe(OpensslBatch);
        return elapsed;
    }

    private static Task<ProcessResult> Openssl(string work, string[] arguments) => ProcessRunner.RunCheckedAsync("openssl", arguments, workingDirectory: work);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

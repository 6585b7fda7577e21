using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Ca.Revocation;
using Qtsp.Portal.Data;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.TestSupport;
using Xunit.Abstractions;

namespace Qtsp.Portal.Tests.Benchmarks;

/// <summary>
/// Revocation publication against openssl on this machine with the same key type (EC P-256) in a file: a CRL of
/// 100,000 entries (the encoder with its signature in SoftHSM2 vs `openssl ca -gencrl` over an index.txt of the same
/// entries), and OCSP responses per second over HTTP, sequential and with concurrent clients (the portal's responder,
/// registry in SQLite and signatures in SoftHSM2, vs `openssl ocsp -index … -port`). Medians of 5 rounds; run with
/// eng/bench.sh.
/// </summary>
[Trait("Category", "Benchmark")]
[Collection(CaOnSoftHsm.Name)]
public sealed class RevocationBenchmark(ITestOutputHelper output)
{
    private const int Rounds = 5;
    private const int CrlEntries = 100_000;
    private const int OcspRequests = 200;
    private const int Clients = 4;

    [Fact]
    public async Task Crl_of_100k_entries_against_openssl_ca_gencrl()
    {
        await CaSoftHsm.GetAsync();
        using var rig = new CaRig(CaSoftHsm.BenchmarkEcToken, issuingKey: CaKeyType.EcP256, rootKey: CaKeyType.EcP256);
        var authority = rig.NewAuthority();
        var (hierarchy, _) = await authority.GetSigningAsync();
        var ca = hierarchy.Qualified;

        var revokedAt = DateTime.UtcNow.AddDays(-1);
        var entries = Enumerable.Range(0, CrlEntries).Select(i =>
        {
            var serial = RandomNumberGenerator.GetBytes(16);
            serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
            return new CrlEntry(Convert.ToHexString(serial), revokedAt.AddSeconds(i % 3600), (RevocationReason)(i % 2 == 0 ? 1 : 5), null);
        }).ToArray();

        var work = RepositoryPaths.NewTemporaryDirectory("crl-bench");
        try
        {
            await PrepareOpensslCaAsync(work, entries);
            var ours = new List<double>();
            var theirs = new List<double>();
            var size = 0;
            _ = CrlEncoder.Encode(ca, 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), entries.Take(100)); // warm-up
            for (var round = 0; round < Rounds; round++)
            {
                var stopwatch = Stopwatch.StartNew();
                var der = CrlEncoder.Encode(ca, round + 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), entries);
                ours.Add(stopwatch.Elapsed.TotalMilliseconds);
                size = der.Length;

                stopwatch.Restart();
                await ProcessRunner.RunCheckedAsync("openssl", ["ca", "-config", "ca.cnf", "-gencrl", "-crldays", "1", "-out", "crl.pem"], workingDirectory: work);
                theirs.Add(stopwatch.Elapsed.TotalMilliseconds);
            }

            var crlText = (await ProcessRunner.RunCheckedAsync("openssl", ["crl", "-in", "crl.pem", "-noout", "-crlnumber"], workingDirectory: work)).Output;
            crlText.ShouldContain("crlNumber");
            double engine = Median(ours), openssl = Median(theirs);
            output.WriteLine(FormattableString.Invariant($"CRL of {CrlEntries:N0} entries, EC P-256, ms (median of {Rounds}); DER {size:N0} bytes:"));
            output.WriteLine(FormattableString.Invariant($"  CrlEncoder, signature in SoftHSM2: {engine:0.0} ms"));
            output.WriteLine(FormattableString.Invariant($"  openssl ca -gencrl (index.txt):    {openssl:0.0} ms"));
            output.WriteLine(FormattableString.Invariant($"  ratio engine/openssl: {engine / openssl:0.00}x"));
            engine.ShouldBeGreaterThan(0);
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(work);
        }
    }

    [Fact]
    public async Task Ocsp_responses_per_second_against_openssl_ocsp()
    {
        await using var server = await PortalServer.StartAsync();
        var world = new PortalWorldForBenchmark(server);
        var leaf = await world.IssueAsync();
        var cas = await server.App.Services.GetRequiredService<ICertificateAuthority>().GetCaCertificatesAsync();

        var work = RepositoryPaths.NewTemporaryDirectory("ocsp-bench");
        Process? responder = null;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work, "portal-ca.pem"), OpensslJudge.Pem(cas[CaNames.Qualified]));
            await File.WriteAllTextAsync(Path.Combine(work, "leaf.pem"), OpensslJudge.Pem(leaf.Der));
            await Openssl(work, "ocsp", "-issuer", "portal-ca.pem", "-cert", "leaf.pem", "-no_nonce", "-reqout", "portal-req.der");
            var portalRequest = await File.ReadAllBytesAsync(Path.Combine(work, "portal-req.der"));

            var serial = await PrepareOpensslResponderAsync(work);
            await Openssl(work, "ocsp", "-issuer", "ca.pem", "-serial", "0x" + serial, "-no_nonce", "-reqout", "openssl-req.der");
            var opensslRequest = await File.ReadAllBytesAsync(Path.Combine(work, "openssl-req.der"));
            var port = FreePort();
            responder = Process.Start(new ProcessStartInfo("openssl",
                ["ocsp", "-index", "index.txt", "-port", port.ToString(CultureInfo.InvariantCulture), "-rsigner", "rsigner.pem", "-rkey", "rsigner.key", "-CA", "ca.pem", "-multi", Clients.ToString(CultureInfo.InvariantCulture), "-ignore_err"])
            { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true })!;
            var opensslUrl = new Uri($"http://127.0.0.1:{port}/");
            var portalUrl = new Uri(server.Address, "/pki/ocsp");
            await WaitForAsync(opensslUrl, opensslRequest);

            var results = new Dictionary<string, List<double>>();
            foreach (var (name, url, request) in new[] { ("portal", portalUrl, portalRequest), ("openssl", opensslUrl, opensslRequest) })
            {
                await RunAsync(url, request, 1, 20); // warm-up
                for (var round = 0; round < Rounds; round++)
                {
                    Add(results, name + " sequential", await RunAsync(url, request, 1, OcspRequests));
                    Add(results, name + $" {Clients} clients", await RunAsync(url, request, Clients, OcspRequests / Clients));
                }
            }

            output.WriteLine(FormattableString.Invariant($"OCSP responses per second over HTTP, EC P-256 responder key (median of {Rounds} rounds of {OcspRequests}):"));
            foreach (var (name, values) in results)
            {
                output.WriteLine(FormattableString.Invariant($"  {name,-22} {Median(values),8:0} /s"));
            }

            double sequential = Median(results["portal sequential"]) / Median(results["openssl sequential"]);
            double concurrent = Median(results[$"portal {Clients} clients"]) / Median(results[$"openssl {Clients} clients"]);
            output.WriteLine(FormattableString.Invariant($"  ratio portal/openssl sequential: {sequential:0.00}x, {Clients} clients: {concurrent:0.00}x"));
        }
        finally
        {
            if (responder is not null)
            {
                responder.Kill(entireProcessTree: true);
                await responder.WaitForExitAsync();
                responder.Dispose();
            }

            RepositoryPaths.DeleteQuietly(work);
        }
    }

    private static void Add(Dictionary<string, List<double>> results, string name, double value)
    {
        if (!results.TryGetValue(name, out var list))
        {
            results[name] = list = [];
        }

        list.Add(value);
    }

    /// <summary>Responses per second: <paramref name="clients"/> clients (one connection pool each) sending <paramref name="perClient"/> requests.</summary>
    private static async Task<double> RunAsync(Uri url, byte[] request, int clients, int perClient)
    {
        var handlers = Enumerable.Range(0, clients).Select(_ => new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 })).ToArray();
        try
        {
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(handlers.Select(async client =>
            {
                for (var i = 0; i < perClient; i++)
                {
                    if (url.AbsolutePath != "/pki/ocsp")
                    {
                        (await RawPostAsync(url, request)).ShouldBeGreaterThan(100);
                        continue;
                    }

                    using var content = new ByteArrayContent(request);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(OcspResponder.RequestContentType);
                    using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
                    using var response = await client.SendAsync(message);
                    response.EnsureSuccessStatusCode();
                    var body = await response.Content.ReadAsByteArrayAsync();
                    body.Length.ShouldBeGreaterThan(100); // a signed response, not a status alone
                }
            }));
            return clients * perClient / stopwatch.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var client in handlers)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>
    /// openssl's responder speaks HTTP/1.0, one request per connection, and resets connections whose request reaches it
    /// in pieces (as HttpClient sends headers and body): it gets the whole request in one write and answers until close.
    /// </summary>
    private static async Task<int> RawPostAsync(Uri url, byte[] request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(url.Host, url.Port);
        var head = Encoding.ASCII.GetBytes($"POST / HTTP/1.0\r\nHost: {url.Host}\r\nContent-Type: {OcspResponder.RequestContentType}\r\nContent-Length: {request.Length}\r\n\r\n");
        await socket.SendAsync(head.Concat(request).ToArray());
        var buffer = new byte[8192];
        int total = 0, read;
        while ((read = await socket.ReceiveAsync(buffer.AsMemory(total))) > 0)
        {
            total += read;
        }

        Encoding.ASCII.GetString(buffer, 0, 12).ShouldContain("200");
        return total;
    }

    private static async Task WaitForAsync(Uri url, byte[] request)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                await RunAsync(url, request, 1, 1);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException("openssl ocsp did not start");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<ProcessResult> Openssl(string work, params string[] arguments) => ProcessRunner.RunCheckedAsync("openssl", arguments, workingDirectory: work);

    private static async Task PrepareCaKeyAsync(string work)
    {
        await Openssl(work, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key");
        await Openssl(work, "req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=openssl benchmark CA", "-days", "3650", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    /// <summary>An openssl CA whose index.txt lists the same entries as revoked (reason keyCompromise / cessationOfOperation).</summary>
    private static async Task PrepareOpensslCaAsync(string work, CrlEntry[] entries)
    {
        await PrepareCaKeyAsync(work);
        var index = new StringBuilder(entries.Length * 80);
        foreach (var entry in entries)
        {
            var reason = entry.Reason == RevocationReason.KeyCompromise ? "keyCompromise" : "cessationOfOperation";
            index.Append(CultureInfo.InvariantCulture, $"R\t301231235959Z\t{entry.RevokedAtUtc:yyMMddHHmmss}Z,{reason}\t{entry.SerialNumberHex}\tunknown\t/CN=Holder\n");
        }

        await File.WriteAllTextAsync(Path.Combine(work, "index.txt"), index.ToString());
        await File.WriteAllTextAsync(Path.Combine(work, "crlnumber"), "01\n");
        await File.WriteAllTextAsync(Path.Combine(work, "ca.cnf"), $"""
            [ca]
            default_ca = bench
            [bench]
            dir = {work}
            database = $dir/index.txt
            certificate = $dir/ca.pem
            private_key = $dir/ca.key
            crlnumber = $dir/crlnumber
            default_md = sha256
            default_crl_days = 1
            unique_subject = no
            crl_extensions = crl_ext
            [crl_ext]
            authorityKeyIdentifier = keyid
            """);
    }

    /// <summary>An openssl CA, a delegated responder certificate (OCSPSigning) and an index.txt with one valid certificate; its serial.</summary>
    private static async Task<string> PrepareOpensslResponderAsync(string work)
    {
        await PrepareCaKeyAsync(work);
        await Openssl(work, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "rsigner.key");
        await Openssl(work, "req", "-new", "-key", "rsigner.key", "-subj", "/CN=openssl OCSP responder", "-out", "rsigner.csr");
        await File.WriteAllTextAsync(Path.Combine(work, "rsigner.ext"), "extendedKeyUsage = OCSPSigning\nkeyUsage = critical,digitalSignature\n");
        await Openssl(work, "x509", "-req", "-in", "rsigner.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0x1001", "-days", "30", "-extfile", "rsigner.ext", "-out", "rsigner.pem");
        var serial = "4" + Convert.ToHexString(RandomNumberGenerator.GetBytes(15))[1..] + "0";
        await File.WriteAllTextAsync(Path.Combine(work, "index.txt"), $"V\t301231235959Z\t\t{serial}\tunknown\t/CN=Holder\n");
        return serial;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The issuing half of <see cref="PkiPortal"/> over a portal the benchmark starts itself.</summary>
    private sealed class PortalWorldForBenchmark(PortalServer server)
    {
        public async Task<Certificate> IssueAsync()
        {
            var authority = server.App.Services.GetRequiredService<ICertificateAuthority>();
            var issued = (await authority.IssueAsync(IssuanceRequests.Qualified(SubjectKeys.EcP256()))).ShouldBeOfType<IssuedCertificate>();
            var data = new Support.TestData(server.App.Services);
            var applicant = await data.ApplicantAsync(null, "Jan");
            using var parsed = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(issued.Der);
            var certificate = Certificate.FromIssued(parsed, CertificateType.Qualified);
            certificate.ApplicantId = applicant.Id;
            await data.DbAsync(db =>
            {
                db.Certificates.Add(certificate);
                return db.SaveChangesAsync();
            });
            return certificate;
        }
    }
}

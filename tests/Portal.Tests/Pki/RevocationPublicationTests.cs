using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Ca.Revocation;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Pki;
using Qtsp.Portal.Tests.Ca;

namespace Qtsp.Portal.Tests.Pki;

/// <summary>
/// Revocation as relying parties see it, on a real portal (CA keys in SoftHSM2, PostgreSQL): the OCSP responder answers
/// from the registry at once, the CRL follows within seconds, and openssl — not this code — judges both.
/// </summary>
[Collection(PkiResponders.Name)]
public sealed class RevocationPublicationTests(PkiPortal portal) : IClassFixture<PkiPortal>
{
    [Fact]
    public async Task A_revocation_shows_in_OCSP_at_once_and_in_the_next_CRL_within_seconds()
    {
        var leaf = await portal.IssueAsync();
        using var openssl = await portal.OpensslAsync();
        await openssl.WriteAsync("leaf.pem", leaf.Der);

        var good = await openssl.OcspAsync("-cert", "leaf.pem");
        good.ExitCode.ShouldBe(0, good.Combined);
        good.Combined.ShouldContain("Response verify OK");
        good.Output.ShouldContain("leaf.pem: good");
        good.Combined.ShouldNotContain("WARNING");

        var before = await FetchCrlAsync();
        var beforeNumber = await CrlNumberAsync(openssl, before);

        var revokedAt = DateTime.UtcNow.AddSeconds(-5);
        var compromisedSince = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        await portal.RevokeAsync(leaf, RevocationReason.KeyCompromise, revokedAt, compromisedSince);

        var revoked = await openssl.OcspAsync("-cert", "leaf.pem");
        revoked.ExitCode.ShouldBe(0, revoked.Combined);
        revoked.Combined.ShouldContain("Response verify OK");
        revoked.Output.ShouldContain("leaf.pem: revoked");
        revoked.Output.ShouldContain("Reason: keyCompromise");

        // The CRL: a new one within seconds, verified by openssl with the issuing CA's certificate.
        byte[] crl = [];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            crl = await FetchCrlAsync();
            if (await CrlNumberAsync(openssl, crl) > beforeNumber)
            {
                break;
            }

            await Task.Delay(200);
        }

        (await CrlNumberAsync(openssl, crl)).ShouldBeGreaterThan(beforeNumber);
        await openssl.WriteAsync("crl.pem", crl, "X509 CRL");
        var shown = await openssl.RunAsync("crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout", "-text");
        shown.ExitCode.ShouldBe(0, shown.Combined);
        shown.Combined.ShouldContain("verify OK");
        var text = shown.Output;
        text.ShouldContain("Serial Number: " + leaf.SerialNumber);
        text.ShouldContain("Key Compromise");
        text.ShouldContain("Invalidity Date:");
        text.ShouldContain("Jan  2 03:04:05 2026 GMT");
        text.ShouldContain("X509v3 Authority Key Identifier");

        var verify = await openssl.RunAsync("verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "root.pem", "-untrusted", "ca.pem", "leaf.pem");
        verify.ExitCode.ShouldNotBe(0);
        verify.Combined.ShouldContain("certificate revoked");
    }

    [Fact]
    public async Task The_CRL_is_DER_for_anyone_cached_no_longer_than_its_next_update_and_unknown_names_are_not_found()
    {
        using var client = portal.Server.NewClient();
        foreach (var name in new[] { CaNames.Root, CaNames.Qualified, CaNames.Commercial })
        {
            using var response = await client.GetAsync($"/pki/{name}.crl");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType!.MediaType.ShouldBe(PkiEndpoints.CrlContentType);
            var maxAge = response.Headers.CacheControl!.MaxAge!.Value;
            maxAge.ShouldBeGreaterThan(TimeSpan.Zero);
            maxAge.ShouldBeLessThanOrEqualTo(TimeSpan.FromHours(24));
            _ = CertificateRevocationListBuilder.Load(await response.Content.ReadAsByteArrayAsync(), out var number);
            number.ShouldBeGreaterThan(0);
        }

        (await client.GetAsync("/pki/nobody-ca.crl")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_serial_the_CA_never_issued_is_unknown_and_the_nonce_comes_back()
    {
        using var openssl = await portal.OpensslAsync();
        var serial = "0x4" + Convert.ToHexString(RandomNumberGenerator.GetBytes(15));
        var result = await openssl.OcspAsync("-serial", serial);
        result.ExitCode.ShouldBe(0, result.Combined);
        result.Combined.ShouldContain("Response verify OK");
        result.Output.ShouldContain(": unknown");
        // openssl checks the nonce by default and warns when it is missing or different.
        result.Combined.ShouldNotContain("nonce", Case.Insensitive);
    }

    [Fact]
    public async Task The_GET_form_answers_like_POST()
    {
        var leaf = await portal.IssueAsync();
        using var openssl = await portal.OpensslAsync();
        await openssl.WriteAsync("leaf.pem", leaf.Der);
        (await openssl.RunAsync("ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem", "-no_nonce", "-reqout", "req.der")).ExitCode.ShouldBe(0);
        var request = await File.ReadAllBytesAsync(Path.Combine(openssl.Work, "req.der"));

        using var client = portal.Server.NewClient();
        using var response = await client.GetAsync("/pki/ocsp/" + Uri.EscapeDataString(Convert.ToBase64String(request)));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe(OcspResponder.ResponseContentType);
        await File.WriteAllBytesAsync(Path.Combine(openssl.Work, "resp.der"), await response.Content.ReadAsByteArrayAsync());

        var judged = await openssl.RunAsync("ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem", "-no_nonce", "-respin", "resp.der", "-CAfile", "root.pem", "-verify_other", "ca.pem");
        judged.ExitCode.ShouldBe(0, judged.Combined);
        judged.Combined.ShouldContain("Response verify OK");
        judged.Output.ShouldContain("leaf.pem: good");
    }

    [Theory]
    [InlineData("")]
    [InlineData("3003020101")]
    [InlineData("not DER at all")]
    public async Task A_malformed_request_gets_malformedRequest(string body)
    {
        using var client = portal.Server.NewClient();
        var bytes = body.Length > 0 && body.All(Uri.IsHexDigit) ? Convert.FromHexString(body) : System.Text.Encoding.ASCII.GetBytes(body);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(OcspResponder.RequestContentType);
        using var response = await client.PostAsync("/pki/ocsp", content);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsByteArrayAsync()).ShouldBe(new byte[] { 0x30, 0x03, 0x0A, 0x01, 0x01 });

        using var get = await client.GetAsync("/pki/ocsp/%%%not-base64");
        (await get.Content.ReadAsByteArrayAsync()).ShouldBe(new byte[] { 0x30, 0x03, 0x0A, 0x01, 0x01 });
    }

    [Fact]
    public async Task A_request_for_a_CA_of_nobody_here_is_unauthorized()
    {
        using var openssl = await portal.OpensslAsync();
        await openssl.RunAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "other.key", "-subj", "/CN=Other CA", "-out", "other.pem");
        var result = await openssl.RunAsync("ocsp", "-issuer", "other.pem", "-serial", "0x1234", "-url", openssl.OcspUrl);
        result.Combined.ShouldContain("unauthorized");
    }

    [Fact]
    public async Task The_responder_is_a_delegated_certificate_of_the_issuing_CA_with_OCSPSigning_and_nocheck()
    {
        var leaf = await portal.IssueAsync();
        using var openssl = await portal.OpensslAsync();
        await openssl.WriteAsync("leaf.pem", leaf.Der);
        (await openssl.RunAsync("ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem", "-reqout", "req.der")).ExitCode.ShouldBe(0);
        using var client = portal.Server.NewClient();
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(openssl.Work, "req.der")));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(OcspResponder.RequestContentType);
        using var response = await client.PostAsync("/pki/ocsp", content);
        var responder = OcspResponses.Certificates(await response.Content.ReadAsByteArrayAsync()).ShouldHaveSingleItem();

        var text = await OpensslJudge.TextAsync(responder);
        text.ShouldContain("OCSP Signing");
        text.ShouldContain("OCSP No Check");
        text.ShouldContain("Digital Signature");
        using var parsed = X509CertificateLoader.LoadCertificate(responder);
        (parsed.NotAfter - parsed.NotBefore).ShouldBeLessThanOrEqualTo(TimeSpan.FromDays(31));
        using var ca = X509CertificateLoader.LoadCertificate(await File.ReadAllBytesAsync(Path.Combine(openssl.Work, "ca.pem")));
        parsed.Issuer.ShouldBe(ca.Subject);
        await openssl.WriteAsync("responder.pem", responder);
        var chain = await openssl.RunAsync("verify", "-CAfile", "root.pem", "-untrusted", "ca.pem", "responder.pem");
        chain.ExitCode.ShouldBe(0, chain.Combined);
    }

    [Fact]
    public async Task Two_publishers_racing_never_publish_one_CRL_number_twice()
    {
        var services = portal.Server.App.Services;
        var first = services.GetRequiredService<CrlPublisher>();
        // A second instance on the same database: its own publisher object, the same CrlStates row.
        var second = ActivatorUtilities.CreateInstance<CrlPublisher>(services);
        var racing = Enumerable.Range(0, 16).Select(i => Task.Run(() => (i % 2 == 0 ? first : second).PublishAsync(CaNames.Commercial))).ToArray();
        var published = await Task.WhenAll(racing);

        var numbers = published.Select(p => p.Number).ToArray();
        numbers.Distinct().Count().ShouldBe(numbers.Length);
        foreach (var crl in published)
        {
            _ = CertificateRevocationListBuilder.Load(crl.Der, out var inDer);
            ((long)inDer).ShouldBe(crl.Number);
        }

        var stored = await portal.Data.DbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(db.CrlStates, s => s.CaName == CaNames.Commercial));
        stored.Number.ShouldBe(numbers.Max());
    }

    private async Task<byte[]> FetchCrlAsync()
    {
        using var client = portal.Server.NewClient();
        return await client.GetByteArrayAsync($"/pki/{CaNames.Qualified}.crl");
    }

    private static async Task<long> CrlNumberAsync(Openssl openssl, byte[] der)
    {
        await openssl.WriteAsync("number.pem", der, "X509 CRL");
        var result = await openssl.RunAsync("crl", "-in", "number.pem", "-noout", "-crlnumber");
        result.ExitCode.ShouldBe(0, result.Combined);
        var value = result.Output.Trim().Split('=')[1].Replace("0x", "", StringComparison.Ordinal);
        return long.Parse(value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}

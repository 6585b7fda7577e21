using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Ca.Revocation;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Infrastructure.Observability;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Observability;

/// <summary>
/// The real portal with its metrics endpoint on a port of its own: Prometheus sees requests, Blazor circuits, the
/// database and the CA; the public port knows no /metrics; the metrics port serves nothing else.
/// </summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task The_metrics_port_shows_request_circuit_database_and_ca_metrics()
    {
        await using var server = await PortalServer.StartAsync(TestPorts.MetricsArguments());
        server.MetricsAddress.ShouldNotBeNull();
        server.MetricsAddress.Port.ShouldNotBe(server.Address.Port);

        // Requests and the database: a page through the sign-in.
        var data = new TestData(server.App.Services);
        var holder = await data.AccountAsync(PortalRoles.Holder, applicant: await data.ApplicantAsync(null, "Metrika"));
        using var session = new PortalSession(server.Address);
        await session.SignInAsync(holder.UserName, holder.Password);
        var cookie = session.Cookies.GetCookies(server.Address).Single(c => c.Name == AccountSetup.CookieName);

        // The CA: a certificate signed, a CRL published, an OCSP request that is no OCSP request.
        var issued = await server.App.Services.GetRequiredService<EmbeddedCertificateAuthority>().IssueAsync(IssuanceRequests.Commercial(SubjectKeys.EcP256()));
        issued.ShouldBeOfType<IssuedCertificate>();
        var refused = await server.App.Services.GetRequiredService<EmbeddedCertificateAuthority>().IssueAsync(IssuanceRequests.Qualified(SubjectKeys.EcP256(), fromPkcs12: true));
        refused.ShouldBeOfType<IssuanceRefused>();
        await server.App.Services.GetRequiredService<CrlPublisher>().PublishAsync(CaNames.Commercial);
        await server.App.Services.GetRequiredService<OcspResponder>().RespondAsync(new byte[] { 0x30, 0x00 });

        // The outbox: a pass counts what is waiting.
        await server.App.Services.GetRequiredService<OutboxSender>().SendDueAsync();

        // A Blazor circuit, opened as blazor.web.js opens one.
        await using var circuit = await BlazorCircuitClient.OpenAsync(server.Address, $"{cookie.Name}={cookie.Value}");
        circuit.CircuitId.ShouldNotBeNullOrEmpty();

        var metrics = await ScrapeUntilAsync(server, text =>
            text.Contains("aspnetcore_components_circuit_active", StringComparison.Ordinal)
            && text.Contains("qtsp_circuits_open", StringComparison.Ordinal)
            && text.Contains("qtsp_ca_ocsp_responses_total", StringComparison.Ordinal)
            && text.Contains("qtsp_jobs_passes_total", StringComparison.Ordinal));

        metrics.ShouldContain("http_server_request_duration_seconds_bucket");
        Lines(metrics, "aspnetcore_components_circuit_active{").ShouldContain(line => !line.EndsWith(" 0", StringComparison.Ordinal));
        metrics.ShouldContain("aspnetcore_components_circuit_connected");
        Lines(metrics, "qtsp_circuits_open").ShouldContain(line => !line.EndsWith(" 0", StringComparison.Ordinal), "the portal's own count of open circuits");
        metrics.ShouldContain("signalr_server_active_connections");
        metrics.ShouldContain("microsoft_entityframeworkcore_queries_total");
        Lines(metrics, "qtsp_ca_certificates_issued_total{").ShouldContain(line => line.Contains("profile=\"Commercial\"", StringComparison.Ordinal));
        Lines(metrics, "qtsp_ca_issuance_refused_total{").ShouldContain(line => line.Contains("reason=\"QualifiedFromPkcs12Import\"", StringComparison.Ordinal));
        Lines(metrics, "qtsp_ca_signing_duration_seconds_bucket{").ShouldContain(line => line.Contains("signed=\"certificate\"", StringComparison.Ordinal));
        Lines(metrics, "qtsp_ca_signing_duration_seconds_bucket{").ShouldContain(line => line.Contains("signed=\"crl\"", StringComparison.Ordinal));
        Lines(metrics, "qtsp_ca_crls_published_total{").ShouldContain(line => line.Contains("ca=\"" + CaNames.Commercial + "\"", StringComparison.Ordinal));
        Lines(metrics, "qtsp_ca_ocsp_responses_total{").ShouldContain(line => line.Contains("status=\"MalformedRequest\"", StringComparison.Ordinal));
        metrics.ShouldContain("dotnet_gc_collections_total");
        Lines(metrics, "qtsp_outbox_pending{").ShouldNotBeEmpty();
        Lines(metrics, "qtsp_jobs_passes_total{").ShouldContain(line => line.Contains("outcome=\"completed\"", StringComparison.Ordinal), "the jobs run a pass at start");
    }

    [Fact]
    public async Task The_public_port_has_no_metrics_and_the_metrics_port_serves_nothing_else()
    {
        await using var server = await PortalServer.StartAsync(TestPorts.MetricsArguments());
        using var metricsClient = new HttpClient { BaseAddress = server.MetricsAddress };
        (await metricsClient.GetStringAsync("/metrics")).ShouldContain("# TYPE");

        await AssertPublicPortHasNoMetricsAsync(server);

        foreach (var path in new[] { "/", "/health", ObservabilitySetup.ReadyPath, "/account/sign-in", "/pki/root-ca.crt", "/_blazor/negotiate" })
        {
            (await metricsClient.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
        }

        server.MetricsAddress!.Host.ShouldBe("127.0.0.1", "loopback unless configured otherwise");
    }

    [Fact]
    public async Task Without_a_metrics_port_no_address_serves_metrics()
    {
        await using var server = await PortalServer.StartAsync();

        server.MetricsAddress.ShouldBeNull();
        await AssertPublicPortHasNoMetricsAsync(server);
    }

    /// <summary>/metrics on the public port is an unknown address like any other: the sign-in for a stranger, 404 for a signed-in user.</summary>
    private static async Task AssertPublicPortHasNoMetricsAsync(PortalServer server)
    {
        using var anonymous = await server.Client.GetAsync("/metrics");
        using var unknown = await server.Client.GetAsync("/no-such-page");
        anonymous.StatusCode.ShouldBe(unknown.StatusCode);
        (await anonymous.Content.ReadAsStringAsync()).ShouldNotContain("# TYPE");

        var data = new TestData(server.App.Services);
        var holder = await data.AccountAsync(PortalRoles.Holder, applicant: await data.ApplicantAsync(null, "Verejny"));
        using var session = new PortalSession(server.Address);
        await session.SignInAsync(holder.UserName, holder.Password);
        foreach (var path in new[] { "/metrics", "/metrics/" })
        {
            using var response = await session.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
            (await response.Content.ReadAsStringAsync()).ShouldNotContain("# TYPE");
        }
    }

    [Fact]
    public async Task Live_and_ready_answer_with_each_check_as_json_and_health_stays_plain()
    {
        await using var server = await PortalServer.StartAsync();

        using var live = await server.Client.GetAsync(ObservabilitySetup.LivePath);
        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        using (var body = JsonDocument.Parse(await live.Content.ReadAsStringAsync()))
        {
            body.RootElement.GetProperty("status").GetString().ShouldBe("Healthy");
            body.RootElement.GetProperty("checks").GetArrayLength().ShouldBe(0, "liveness asks no dependency");
        }

        using var ready = await server.Client.GetAsync(ObservabilitySetup.ReadyPath);
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
        ready.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        using (var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()))
        {
            body.RootElement.GetProperty("status").GetString().ShouldBe("Healthy");
            var checks = body.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
            checks.ShouldBe(new Dictionary<string, string?> { ["database"] = "Healthy", ["hsm"] = "Healthy", ["mail"] = "Healthy" }, ignoreOrder: true);
        }

        (await server.Client.GetStringAsync("/health")).ShouldBe("Healthy");
    }

    [Fact]
    public async Task Readiness_fails_when_mail_cannot_leave()
    {
        // An SMTP host on a port where nothing listens.
        await using var server = await PortalServer.StartAsync("--Mail:SmtpHost", "127.0.0.1", "--Mail:SmtpPort", TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var ready = await server.Client.GetAsync(ObservabilitySetup.ReadyPath);

        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var mail = body.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "mail");
        mail.GetProperty("status").GetString().ShouldBe("Unhealthy");
        (await server.Client.GetAsync(ObservabilitySetup.LivePath)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    internal static async Task<string> ScrapeAsync(PortalServer server)
    {
        using var client = new HttpClient { BaseAddress = server.MetricsAddress ?? throw new InvalidOperationException("No metrics port.") };
        using var response = await client.GetAsync("/metrics");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The exporter caches a scrape for a moment: asks again until <paramref name="ready"/> holds (10 s at most).</summary>
    internal static async Task<string> ScrapeUntilAsync(PortalServer server, Func<string, bool> ready)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var text = await ScrapeAsync(server);
            if (ready(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(250);
        }
    }

    internal static List<string> Lines(string metrics, string prefix) =>
        metrics.Split('\n').Where(line => line.StartsWith(prefix, StringComparison.Ordinal)).ToList();
}

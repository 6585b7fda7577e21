using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure.Observability;
using Qtsp.Portal.Tests.Data;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Observability;

/// <summary>Readiness follows PostgreSQL: 503 naming the database while it is stopped, 200 again once it is back; liveness stays 200.</summary>
[Collection(DatabaseServerRestarts.Name)]
public sealed class ReadinessDatabaseRestartTests
{
    private static async Task ControlAsync(string command)
    {
        var result = await ProcessRunner.RunAsync(TestPostgres.ControlScript, [command]);
        if (command != "start" && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command}: {result.Combined}");
        }
    }

    [Fact]
    public async Task Readiness_fails_while_postgresql_is_stopped_and_recovers_when_it_is_back()
    {
        await using var server = await PortalServer.StartAsync(DatabaseProvider.PostgreSql, null, TestPorts.MetricsArguments());
        (await server.Client.GetAsync(ObservabilitySetup.ReadyPath)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Npgsql's own metrics are there for PostgreSQL.
        var metrics = await MetricsEndpointTests.ScrapeUntilAsync(server, text => text.Contains("db_client_operation_duration_seconds", StringComparison.Ordinal));
        metrics.ShouldContain("db_client_operation_duration_seconds_bucket");
        metrics.ShouldContain("db_client_connection_count");

        await ControlAsync("stop");
        try
        {
            var clock = Stopwatch.StartNew();
            using var down = await server.Client.GetAsync(ObservabilitySetup.ReadyPath);
            down.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "a probe answers within its timeout");
            using (var body = JsonDocument.Parse(await down.Content.ReadAsStringAsync()))
            {
                var checks = body.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
                checks["database"].ShouldBe("Unhealthy");
                checks["hsm"].ShouldBe("Healthy");
                checks["mail"].ShouldBe("Healthy");
            }

            (await server.Client.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            (await server.Client.GetAsync(ObservabilitySetup.LivePath)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        finally
        {
            await ControlAsync("start");
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            using var again = await server.Client.GetAsync(ObservabilitySetup.ReadyPath);
            status = again.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(500);
            }
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        status.ShouldBe(HttpStatusCode.OK, "ready again without a restart of the portal");
    }
}

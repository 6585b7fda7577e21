using Microsoft.Data.Sqlite;

namespace Qtsp.Portal.Tests.Hosting;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_is_healthy_and_the_sqlite_database_is_created_and_migrated_at_start()
    {
        await using var server = await PortalServer.StartAsync();

        using var response = await server.Client.GetAsync("/health");

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldBe("Healthy");
        File.Exists(server.DatabasePath).ShouldBeTrue();

        await using var connection = new SqliteConnection($"Data Source={server.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var tables = await QueryAsync(connection, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
        tables.ShouldContain("AuditEvents");
        tables.ShouldContain("__EFMigrationsHistory");
        var applied = await QueryAsync(connection, "SELECT MigrationId FROM __EFMigrationsHistory");
        applied.ShouldContain(id => id.EndsWith("_Baseline", StringComparison.Ordinal));
    }

    private static async Task<List<string>> QueryAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}

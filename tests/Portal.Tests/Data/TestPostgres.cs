using Npgsql;

namespace Qtsp.Portal.Tests.Data;

/// <summary>
/// The PostgreSQL server eng/test.sh starts for the tests (eng/test-postgres.sh): its connection string comes in
/// QTSP_TEST_POSTGRES. Without it, tests that need PostgreSQL fail and say how to get one; they never skip.
/// </summary>
public static class TestPostgres
{
    public const string ConnectionVariable = "QTSP_TEST_POSTGRES";
    public const string ControlVariable = "QTSP_TEST_POSTGRES_CONTROL";

    /// <summary>Not pooled: a pooled admin connection would be broken after the restart tests.</summary>
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } value
            ? new NpgsqlConnectionStringBuilder(value) { Pooling = false }.ConnectionString
            : throw new InvalidOperationException(
                $"{ConnectionVariable} is not set, so there is no PostgreSQL server for this test. Run eng/test.sh: it starts one " +
                "(eng/test-postgres.sh) and exports its connection string to the tests.");

    /// <summary>The script that stops, starts or restarts the server (stop | start | restart).</summary>
    public static string ControlScript =>
        Environment.GetEnvironmentVariable(ControlVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{ControlVariable} is not set. Run eng/test.sh: it starts the tests' PostgreSQL server.");

    /// <summary>The connection string of <paramref name="database"/> on the test server, as the portal would be configured.</summary>
    public static string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ConnectionString;

    /// <summary>Creates an empty database with a unique name and returns the name.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"qtsp_{new string(purpose.Where(char.IsAsciiLetterOrDigit).Take(20).ToArray()).ToLowerInvariant()}_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        await command.ExecuteNonQueryAsync();
        return name;
    }

    public static async Task DropDatabaseAsync(string name)
    {
        using (var pooled = new NpgsqlConnection(ConnectionString(name)))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
        await command.ExecuteNonQueryAsync();
    }
}

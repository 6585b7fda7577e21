using System.Data.Common;
using Qtsp.Portal.Data;
using Qtsp.Portal.Data.Migrations;

namespace Qtsp.Portal.Tests.Data;

/// <summary>A fresh, empty database of one provider for one test, configured as the portal configures it; dropped on dispose.</summary>
public interface ITestDatabase : IDisposable
{
    DatabaseProvider Provider { get; }

    DatabaseConnection Connection { get; }

    PortalDbContext NewContext();

    /// <summary>A context that sees the provider's migrations, as the portal migrates at start.</summary>
    PortalDbContext NewMigrationContext() => SchemaMigrations.NewContext(Connection);

    /// <summary>Creates or upgrades the schema exactly as the portal does at start.</summary>
    Task<MigrationResult> MigrateAsync() => SchemaMigrations.MigrateAsync(Connection);

    Task<DbConnection> OpenAsync();
}

/// <summary>The providers the data tests run on: SQLite (a file) and PostgreSQL (a database on the server eng/test.sh starts).</summary>
public static class TestDatabases
{
    public static TheoryData<DatabaseProvider> Providers() => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    public static ITestDatabase Create(DatabaseProvider provider, string purpose) => provider switch
    {
        DatabaseProvider.Sqlite => SqliteDatabase.Create(purpose),
        DatabaseProvider.PostgreSql => PostgresDatabase.Create(purpose),
        _ => throw new NotSupportedException($"No test database for {provider}."),
    };
}

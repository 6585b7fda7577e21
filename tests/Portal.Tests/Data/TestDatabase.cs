using System.Data.Common;
using Qtsp.Portal.Data;
using Qtsp.Portal.Tests.Data.Schema;

namespace Qtsp.Portal.Tests.Data;

/// <summary>A fresh, empty database of one provider for one test, configured as the portal configures it; dropped on dispose.</summary>
public interface ITestDatabase : IDisposable
{
    DatabaseProvider Provider { get; }

    ISchemaReader SchemaReader { get; }

    PortalDbContext NewContext();

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

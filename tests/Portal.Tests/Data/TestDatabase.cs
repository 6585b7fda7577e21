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

/// <summary>The providers the schema tests run on. PostgreSQL joins with its own <see cref="ITestDatabase"/> and <see cref="ISchemaReader"/>.</summary>
public static class TestDatabases
{
    public static TheoryData<DatabaseProvider> Providers() => [DatabaseProvider.Sqlite];

    public static ITestDatabase Create(DatabaseProvider provider, string purpose) => provider switch
    {
        DatabaseProvider.Sqlite => SqliteDatabase.Create(purpose),
        _ => throw new NotSupportedException($"No test database for {provider} yet."),
    };
}

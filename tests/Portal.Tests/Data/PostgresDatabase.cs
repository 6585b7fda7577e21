using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Tests.Data;

/// <summary>A fresh database of its own on the tests' PostgreSQL server, configured as the portal configures it; dropped on dispose.</summary>
public sealed class PostgresDatabase : ITestDatabase
{
    private PostgresDatabase(string name)
    {
        Name = name;
        ConnectionString = TestPostgres.ConnectionString(name);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public DatabaseProvider Provider => DatabaseProvider.PostgreSql;

    public DatabaseConnection Connection => new(DatabaseProvider.PostgreSql, ConnectionString);

    public static async Task<PostgresDatabase> CreateAsync(string purpose) => new(await TestPostgres.CreateDatabaseAsync(purpose));

    public static PostgresDatabase Create(string purpose) => CreateAsync(purpose).GetAwaiter().GetResult();

    public PortalDbContext NewContext()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, DatabaseProvider.PostgreSql, ConnectionString);
        return new PortalDbContext(options.Options);
    }

    public async Task<DbConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public void Dispose() => TestPostgres.DropDatabaseAsync(Name).GetAwaiter().GetResult();
}

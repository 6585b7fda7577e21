using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using System.Data.Common;
using Qtsp.Portal.Data;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Data;

/// <summary>A fresh SQLite file in a directory of its own, configured as the portal configures it; removed on dispose.</summary>
public sealed class SqliteDatabase : ITestDatabase
{
    private SqliteDatabase(string directory)
    {
        Directory = directory;
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "portal.db"), Pooling = false }.ToString();
    }

    public string Directory { get; }

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public DatabaseConnection Connection => new(DatabaseProvider.Sqlite, ConnectionString);

    public string ConnectionString { get; }

    public static SqliteDatabase Create(string purpose) => new(RepositoryPaths.NewTemporaryDirectory(purpose));

    public PortalDbContext NewContext()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, DatabaseProvider.Sqlite, ConnectionString);
        return new PortalDbContext(options.Options);
    }

    public async Task<DbConnection> OpenAsync()
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Qtsp.Portal.Data.Migrations.Sqlite;

/// <summary>The owner of the SQLite migrations in this folder (see <see cref="SchemaMigrations"/>).</summary>
public sealed class SqlitePortalDbContext(DbContextOptions<PortalDbContext> options) : PortalDbContext(options);

/// <summary>For <c>dotnet ef</c>: generating a migration needs the provider, not a database.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqlitePortalDbContext>
{
    public SqlitePortalDbContext CreateDbContext(string[] args) =>
        (SqlitePortalDbContext)SchemaMigrations.NewContext(new DatabaseConnection(DatabaseProvider.Sqlite, "Data Source=design-time.db"));
}

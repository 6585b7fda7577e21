using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Qtsp.Portal.Data.Migrations.PostgreSql;

/// <summary>The owner of the PostgreSQL migrations in this folder (see <see cref="SchemaMigrations"/>).</summary>
public sealed class PostgreSqlPortalDbContext(DbContextOptions<PortalDbContext> options) : PortalDbContext(options);

/// <summary>For <c>dotnet ef</c>: generating a migration needs the provider, not a database (none is connected to).</summary>
public sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlPortalDbContext>
{
    public PostgreSqlPortalDbContext CreateDbContext(string[] args) =>
        (PostgreSqlPortalDbContext)SchemaMigrations.NewContext(new DatabaseConnection(DatabaseProvider.PostgreSql, "Host=localhost;Database=portal_design_time"));
}

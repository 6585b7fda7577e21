using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data.Migrations.PostgreSql;
using Qtsp.Portal.Data.Migrations.Sqlite;

namespace Qtsp.Portal.Data.Migrations;

/// <summary>
/// The schema is built by EF Core migrations that <c>dotnet ef migrations add</c> generates, one set per provider (the
/// SQL of the two differs: types, identity, collations). Each set belongs to a subclass of <see cref="PortalDbContext"/>
/// that exists only to own it (<see cref="SqlitePortalDbContext"/>, <see cref="PostgreSqlPortalDbContext"/>); the
/// portal works with <see cref="PortalDbContext"/> itself, whose model they inherit unchanged. README.md, "Changing
/// the schema", has the commands.
/// </summary>
public static class SchemaMigrations
{
    /// <summary>A context that sees the migrations of <paramref name="database"/>'s provider.</summary>
    public static PortalDbContext NewContext(DatabaseConnection database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, database.Provider, database.ConnectionString);
        return database.Provider switch
        {
            DatabaseProvider.Sqlite => new SqlitePortalDbContext(options.Options),
            DatabaseProvider.PostgreSql => new PostgreSqlPortalDbContext(options.Options),
            _ => throw new ArgumentOutOfRangeException(nameof(database), database.Provider, "No migrations for this provider."),
        };
    }

    /// <summary>
    /// Creates the database's schema or brings it up to date, including a database made by the hand-written migrations
    /// of before (<see cref="LegacyMigrationHistory"/>).
    /// </summary>
    public static async Task<MigrationResult> MigrateAsync(DatabaseConnection database, CancellationToken cancellationToken = default)
    {
        await using var db = NewContext(database);
        var legacy = await LegacyMigrationHistory.AdoptAsync(db, cancellationToken).ConfigureAwait(false);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToArray();
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        return new MigrationResult(legacy, pending);
    }
}

/// <param name="LegacyHistory">What was done about a history written by the hand-written migrations.</param>
/// <param name="Applied">The migrations applied now (none when the database was up to date).</param>
public sealed record MigrationResult(LegacyHistoryOutcome LegacyHistory, IReadOnlyList<string> Applied);

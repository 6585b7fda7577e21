using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data.Migrations;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Data;

/// <summary>The database provider (SQLite by default, PostgreSQL when configured) and start-up migration.</summary>
public static partial class DatabaseSetup
{
    public const string ConnectionName = "Portal";

    public static IServiceCollection AddPortalData(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var provider = DatabaseProviders.Parse(configuration["Database:Provider"]);
        var connectionString = configuration.GetConnectionString(ConnectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider != DatabaseProvider.Sqlite)
            {
                throw new InvalidOperationException($"Database:Provider is {provider}, so ConnectionStrings:{ConnectionName} must be set.");
            }

            var dataDirectory = PortalPaths.DataDirectory(configuration, environment);
            Directory.CreateDirectory(dataDirectory);
            connectionString = $"Data Source={Path.Combine(dataDirectory, "portal.db")}";
        }

        // Services create a context per operation (a Blazor circuit lives long); Identity and health checks take the scoped one.
        services.AddDbContextFactory<PortalDbContext>(options => Configure(options, provider, connectionString));
        services.AddDbContext<PortalDbContext>(options => Configure(options, provider, connectionString), optionsLifetime: ServiceLifetime.Singleton);
        services.AddSingleton(new DatabaseConnection(provider, connectionString));
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, DatabaseProvider provider, string connectionString)
    {
        _ = provider switch
        {
            DatabaseProvider.Sqlite => options.UseSqlite(connectionString, sqlite => sqlite.ExecutionStrategy(dependencies => new SqliteBusyRetryStrategy(dependencies))),
            // A server restart or a network blip breaks the pooled connections: EF retries the operation on a new
            // connection (transient errors only, a few seconds in all); beyond that the user is told the database is
            // unavailable and nothing was changed (see DataUnavailableException).
            DatabaseProvider.PostgreSql => options.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(
                maxRetryCount: RetryCount, maxRetryDelay: MaxRetryDelay, errorCodesToAdd: RestartErrorCodes)),
            _ => throw new ArgumentOutOfRangeException(nameof(provider)),
        };
    }

    public const int RetryCount = 4;

    /// <summary>
    /// What a pooled connection reports after the server restarted (admin shutdown, crash shutdown, cannot connect now):
    /// worth another attempt on a fresh connection, which Npgsql does not count as transient by itself.
    /// </summary>
    public static readonly string[] RestartErrorCodes = ["57P01", "57P02", "57P03"];

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>Creates or upgrades the configured database (see <see cref="SchemaMigrations"/>).</summary>
    public static async Task<MigrationResult> MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var result = await SchemaMigrations.MigrateAsync(services.GetRequiredService<DatabaseConnection>(), cancellationToken).ConfigureAwait(false);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseSetup).FullName!);
        if (result.LegacyHistory == LegacyHistoryOutcome.Adopted)
        {
            LogLegacyHistoryAdopted(logger);
        }

        if (result.Applied.Count > 0)
        {
            LogMigrated(logger, result.Applied);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database was made by the hand-written migrations: its migration history now names the generated baseline instead (no table was changed)")]
    private static partial void LogLegacyHistoryAdopted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated: {Migrations}")]
    private static partial void LogMigrated(ILogger logger, IReadOnlyList<string> migrations);
}

/// <summary>The database the portal is configured for.</summary>
public sealed record DatabaseConnection(DatabaseProvider Provider, string ConnectionString);

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

public static class DatabaseProviders
{
    public static DatabaseProvider Parse(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null or "" or "SQLITE" => DatabaseProvider.Sqlite,
        "POSTGRESQL" or "POSTGRES" or "NPGSQL" => DatabaseProvider.PostgreSql,
        _ => throw new InvalidOperationException($"Database:Provider '{value}' is not known; use Sqlite or PostgreSql."),
    };
}

using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Infrastructure;

/// <summary>
/// How services reach the database: a context per operation, and database failures that survived the execution
/// strategy's retries turned into <see cref="DataUnavailableException"/> (a localised "try again, nothing was changed").
/// </summary>
public sealed class DataAccess(IDbContextFactory<PortalDbContext> factory)
{
    public async Task<T> RunAsync<T>(Func<PortalDbContext, Task<T>> operation)
    {
        try
        {
            await using var db = await factory.CreateDbContextAsync().ConfigureAwait(false);
            return await operation(db).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsUnavailable(exception))
        {
            throw new DataUnavailableException(exception);
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> in one transaction, as one retriable unit of the execution strategy: each attempt
    /// gets a fresh context, so an attempt cut off by a connection failure leaves nothing behind in memory or database.
    /// </summary>
    public async Task<T> RunInTransactionAsync<T>(Func<PortalDbContext, Task<T>> operation)
    {
        try
        {
            await using var probe = await factory.CreateDbContextAsync().ConfigureAwait(false);
            return await probe.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                await using var db = await factory.CreateDbContextAsync().ConfigureAwait(false);
                await using var transaction = await db.Database.BeginTransactionAsync().ConfigureAwait(false);
                var result = await operation(db).ConfigureAwait(false);
                await transaction.CommitAsync().ConfigureAwait(false);
                return result;
            }).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsUnavailable(exception))
        {
            throw new DataUnavailableException(exception);
        }
    }

    public Task RunAsync(Func<PortalDbContext, Task> operation) => RunAsync<bool>(async db =>
    {
        await operation(db).ConfigureAwait(false);
        return true;
    });

    /// <summary>The database could not be reached or answered with a transient failure (not: a constraint was violated).</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RetryLimitExceededException => true,
        TimeoutException => true,
        Npgsql.NpgsqlException { IsTransient: true } => true,
        Npgsql.NpgsqlException npgsql when npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException => true,
        Npgsql.PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" } => true, // shutting down, crash, starting, too many connections
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 or 10 or 14 } => true, // busy, locked, I/O error, cannot open
        DbUpdateException { InnerException: { } inner } => IsUnavailable(inner),
        InvalidOperationException { InnerException: DbException inner } => IsUnavailable(inner),
        _ => false,
    };

    /// <summary>A unique index refused the change (a race the service's own check could not see).</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException is DbException inner && IsUniqueViolation(inner);

    /// <summary>The same, as the provider reports it where EF Core does not wrap it (ExecuteUpdate, ExecuteDelete).</summary>
    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        Npgsql.PostgresException postgres => postgres.SqlState == "23505",
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}

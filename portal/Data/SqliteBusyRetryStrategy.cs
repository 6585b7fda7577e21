using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;

namespace Qtsp.Portal.Data;

/// <summary>
/// SQLite has one writer at a time: a write that meets another connection's write transaction gets "database is locked"
/// once the driver's wait is over, or at once when its own read snapshot went stale meanwhile. Both pass on a fresh
/// attempt, so they are retried like PostgreSQL's transient errors — the same code paths (user transactions run inside the
/// execution strategy) serve both providers.
/// </summary>
public sealed class SqliteBusyRetryStrategy(ExecutionStrategyDependencies dependencies)
    : ExecutionStrategy(dependencies, DatabaseSetup.RetryCount, DatabaseSetup.MaxRetryDelay)
{
    private const int Busy = 5;
    private const int Locked = 6;

    protected override bool ShouldRetryOn(Exception exception) => exception is SqliteException { SqliteErrorCode: Busy or Locked };
}

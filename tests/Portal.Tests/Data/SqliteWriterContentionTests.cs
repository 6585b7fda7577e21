using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Shouldly;
using Xunit;

namespace Qtsp.Portal.Tests.Data;

/// <summary>Two writers on one SQLite file: the second one's "database is locked" is retried, not shown to its user.</summary>
public sealed class SqliteWriterContentionTests : IAsyncLifetime
{
    private static readonly TimeSpan HeldFor = TimeSpan.FromSeconds(3);
    private readonly SqliteDatabase _database = SqliteDatabase.Create("sqlite-contention");

    public Task InitializeAsync() => ((ITestDatabase)_database).MigrateAsync();

    public Task DisposeAsync()
    {
        _database.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_write_that_meets_another_writer_succeeds_once_the_other_commits()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, DatabaseProvider.Sqlite, ImpatientConnectionString());

        await using var db = new PortalDbContext(options.Options);
        await WhileAnotherWriterHoldsTheFileAsync(() => AddLeaseAsync(db, "contended"));

        await using var check = _database.NewContext();
        (await check.JobLeases.CountAsync(l => l.Name == "contended")).ShouldBe(1);
    }

    [Fact]
    public async Task Without_the_retry_the_same_write_fails_so_the_scene_really_contends()
    {
        var options = new DbContextOptionsBuilder<PortalDbContext>().UseSqlite(ImpatientConnectionString());

        await using var db = new PortalDbContext(options.Options);
        var failure = await Should.ThrowAsync<DbUpdateException>(() => WhileAnotherWriterHoldsTheFileAsync(() => AddLeaseAsync(db, "unretried")));

        failure.InnerException.ShouldBeOfType<SqliteException>().SqliteErrorCode.ShouldBe(5);
    }

    /// <summary>The driver waits for the lock one second instead of thirty, so the other writer outlasts its wait.</summary>
    private string ImpatientConnectionString() => new SqliteConnectionStringBuilder(_database.ConnectionString) { DefaultTimeout = 1 }.ToString();

    private async Task WhileAnotherWriterHoldsTheFileAsync(Func<Task> write)
    {
        await using var other = (SqliteConnection)await _database.OpenAsync();
        await using var transaction = other.BeginTransaction(deferred: false);
        var release = Task.Run(async () =>
        {
            await Task.Delay(HeldFor);
            await transaction.CommitAsync();
        });
        try
        {
            await write();
        }
        finally
        {
            await release;
        }
    }

    private static async Task AddLeaseAsync(PortalDbContext db, string name)
    {
        db.JobLeases.Add(new JobLease { Name = name, Holder = "test", ExpiresAtUtc = DateTime.UtcNow, Fence = 1 });
        await db.SaveChangesAsync();
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Qtsp.Portal.Data.Migrations;

/// <summary>
/// Databases made before the migrations were generated (up to commit 3a66479) have the two hand-written migrations
/// in their history. Their schema is the baseline's: the schema tests of that time proved it equal to the model's, which
/// the baseline was generated from, and the legacy upgrade tests compare it again. Their history is rewritten to name
/// the baseline instead, so EF applies only the migrations after it; no table is touched.
/// </summary>
public static class LegacyMigrationHistory
{
    public const string AuditEvents = "20261122000001_AuditEvents";
    public const string CustomerData = "20261123000001_CustomerData";

    /// <summary>The first generated migration of each provider's set: the schema as the hand-written migrations left it.</summary>
    public const string BaselineName = "Baseline";

    public static async Task<LegacyHistoryOutcome> AdoptAsync(DbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var history = db.GetService<IHistoryRepository>();
        // As Migrate does first: the lock below is taken on the history table on PostgreSQL.
        await history.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        if (!(await history.GetAppliedMigrationsAsync(cancellationToken).ConfigureAwait(false)).Any(r => r.MigrationId is AuditEvents or CustomerData))
        {
            return LegacyHistoryOutcome.None;
        }

        var baseline = db.GetService<IMigrationsAssembly>().FindMigrationId(BaselineName)
            ?? throw new InvalidOperationException($"The migrations of {db.Database.ProviderName} have no {BaselineName} migration.");
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async cancellation =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellation).ConfigureAwait(false);
            // Another portal instance starting at the same time waits here, then finds the history rewritten.
            await using var migrationLock = await history.AcquireDatabaseLockAsync(cancellation).ConfigureAwait(false);
            var applied = (await history.GetAppliedMigrationsAsync(cancellation).ConfigureAwait(false)).Select(r => r.MigrationId).ToHashSet(StringComparer.Ordinal);
            var hasAuditEvents = applied.Contains(AuditEvents);
            var hasCustomerData = applied.Contains(CustomerData);
            if (!hasAuditEvents && !hasCustomerData)
            {
                return LegacyHistoryOutcome.None;
            }

            if (!hasAuditEvents || !hasCustomerData || applied.Contains(baseline))
            {
                throw new InvalidOperationException(
                    $"The migration history has {string.Join(", ", applied.Order(StringComparer.Ordinal))}: a database of the hand-written migrations " +
                    $"must have both {AuditEvents} and {CustomerData} and nothing generated. Start the portal of commit 3a66479 on it once first.");
            }

            // EF's own history scripts, with the ids above as literals: nothing from outside goes into them.
            var rewrite = history.GetDeleteScript(AuditEvents) + history.GetDeleteScript(CustomerData)
                + history.GetInsertScript(new HistoryRow(baseline, ProductInfo.GetVersion()));
            await db.Database.ExecuteSqlRawAsync(rewrite, cancellation).ConfigureAwait(false);
            await transaction.CommitAsync(cancellation).ConfigureAwait(false);
            return LegacyHistoryOutcome.Adopted;
        }, cancellationToken).ConfigureAwait(false);
    }
}

public enum LegacyHistoryOutcome
{
    /// <summary>A new database, or one whose history is of the generated migrations.</summary>
    None,

    /// <summary>The hand-written migrations' history was replaced by the baseline.</summary>
    Adopted,
}

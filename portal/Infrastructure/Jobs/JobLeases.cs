using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Infrastructure.Jobs;

/// <summary>
/// Database leases for background jobs: every portal instance runs the jobs' timers, and a run does its work only while
/// it holds the job's unexpired lease. Taking a lease is one conditional UPDATE (or the first INSERT, which the primary
/// key lets only one instance win), so two instances never hold it at once; each take raises the fence number.
/// </summary>
public sealed class JobLeases(IDbContextFactory<PortalDbContext> factory, TimeProvider time)
{
    /// <summary>This portal instance (one per host, even two in one process), as the leases name their holder.</summary>
    public string InstanceId { get; } = $"{Environment.MachineName[..Math.Min(100, Environment.MachineName.Length)]}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>
    /// Takes the lease on <paramref name="job"/> for <paramref name="duration"/>; the fence number, or null while it is
    /// held — by another instance or by another run on this one (a run is never entered twice: a second take would raise
    /// the fence under the first run's feet).
    /// </summary>
    public async Task<long?> TryAcquireAsync(string job, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var now = time.GetUtcNow().UtcDateTime;
            var until = now + duration;
            var holder = InstanceId;
            var taken = await db.JobLeases
                .Where(l => l.Name == job && l.ExpiresAtUtc <= now)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(l => l.Holder, holder)
                    .SetProperty(l => l.ExpiresAtUtc, until)
                    .SetProperty(l => l.Fence, l => l.Fence + 1), cancellationToken).ConfigureAwait(false);
            if (taken == 1)
            {
                return await db.JobLeases.Where(l => l.Name == job).Select(l => l.Fence).SingleAsync(cancellationToken).ConfigureAwait(false);
            }

            if (await db.JobLeases.AnyAsync(l => l.Name == job, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            db.JobLeases.Add(new JobLease { Name = job, Holder = holder, ExpiresAtUtc = until, Fence = 1 });
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return 1;
            }
            catch (DbUpdateException)
            {
                return null; // another instance inserted it first
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> while holding the lease on <paramref name="job"/> and gives it back afterwards; null
    /// (nothing run) while another instance holds it. The work confirms the lease in each transaction it commits
    /// (<see cref="LeaseHold.ConfirmAsync"/>); once the lease is lost — it expired while this instance was paused, and
    /// another took it — the work stops at its next commit and the run ends with null.
    /// </summary>
    public async Task<T?> RunHoldingAsync<T>(string job, TimeSpan duration, Func<LeaseHold, CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(work);
        if (await TryAcquireAsync(job, duration, cancellationToken).ConfigureAwait(false) is not { } fence)
        {
            return null;
        }

        try
        {
            return await work(new LeaseHold(this, job, fence), cancellationToken).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            return null;
        }
        finally
        {
            await ReleaseAsync(job, fence, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Inside the caller's transaction: checks that this instance still holds <paramref name="job"/> under
    /// <paramref name="fence"/>, unexpired, and locks the lease's row until the transaction ends (the UPDATE), so no other
    /// instance can take the lease between this check and the commit. Throws <see cref="LeaseLostException"/> otherwise.
    /// </summary>
    public async Task ConfirmAsync(PortalDbContext db, string job, long fence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow().UtcDateTime;
        var holder = InstanceId;
        var held = await db.JobLeases
            .Where(l => l.Name == job && l.Holder == holder && l.Fence == fence && l.ExpiresAtUtc > now)
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Fence, l => l.Fence), cancellationToken).ConfigureAwait(false);
        if (held != 1)
        {
            throw new LeaseLostException(job, fence);
        }
    }

    /// <summary>
    /// Gives the lease back early (the work is done), so the next run anywhere need not wait for it to expire; only the
    /// take named by <paramref name="fence"/>, so a run that lost its lease never ends a later one's.
    /// </summary>
    public async Task ReleaseAsync(string job, long fence, CancellationToken cancellationToken = default)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var now = time.GetUtcNow().UtcDateTime;
            var holder = InstanceId;
            await db.JobLeases.Where(l => l.Name == job && l.Holder == holder && l.Fence == fence)
                .ExecuteUpdateAsync(set => set.SetProperty(l => l.ExpiresAtUtc, now), cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>The lease a run of a job took: its fence number, confirmed in every transaction the run commits.</summary>
public sealed class LeaseHold(JobLeases leases, string job, long fence)
{
    public string Job { get; } = job;

    public long Fence { get; } = fence;

    /// <summary>See <see cref="JobLeases.ConfirmAsync"/>: call inside the transaction, before it commits.</summary>
    public Task ConfirmAsync(PortalDbContext db, CancellationToken cancellationToken = default) => leases.ConfirmAsync(db, Job, Fence, cancellationToken);
}

/// <summary>A run's lease expired or was taken by another instance: what it was about to commit is rolled back.</summary>
public sealed class LeaseLostException : Exception
{
    public LeaseLostException()
    {
    }

    public LeaseLostException(string message)
        : base(message)
    {
    }

    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LeaseLostException(string job, long fence)
        : base($"The lease on {job} (fence {fence}) is no longer held by this instance.")
    {
    }
}

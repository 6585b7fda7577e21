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

    /// <summary>Takes (or extends) the lease on <paramref name="job"/> for <paramref name="duration"/>; the fence number, or null while another instance holds it.</summary>
    public async Task<long?> TryAcquireAsync(string job, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var now = time.GetUtcNow().UtcDateTime;
            var until = now + duration;
            var holder = InstanceId;
            var taken = await db.JobLeases
                .Where(l => l.Name == job && (l.ExpiresAtUtc <= now || l.Holder == holder))
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
    /// (nothing run) while another instance holds it.
    /// </summary>
    public async Task<T?> RunHoldingAsync<T>(string job, TimeSpan duration, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
        where T : class
    {
        if (await TryAcquireAsync(job, duration, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        try
        {
            return await work(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseAsync(job, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Gives the lease back early (the work is done), so the next run anywhere need not wait for it to expire.</summary>
    public async Task ReleaseAsync(string job, CancellationToken cancellationToken = default)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var now = time.GetUtcNow().UtcDateTime;
            var holder = InstanceId;
            await db.JobLeases.Where(l => l.Name == job && l.Holder == holder)
                .ExecuteUpdateAsync(set => set.SetProperty(l => l.ExpiresAtUtc, now), cancellationToken).ConfigureAwait(false);
        }
    }
}

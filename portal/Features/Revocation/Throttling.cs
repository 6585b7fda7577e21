using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Revocation;

/// <summary>
/// Failed tries counted per key in <see cref="Throttle"/> rows (a certificate, a source address — stored as the SHA-256
/// of the key, never the serial, e-mail or address itself): <see cref="MaxFailures"/> failures within
/// <see cref="Window"/> lock the key for <see cref="LockTime"/>.
/// </summary>
public sealed class Throttling(DataAccess data, TimeProvider time)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan LockTime = TimeSpan.FromMinutes(15);

    /// <summary>The revocation page's limits; other callers (renewal codes) name their own.</summary>
    public static readonly ThrottlePolicy Default = new(MaxFailures, Window, LockTime);

    /// <summary>The stored key: hex SHA-256 of <paramref name="kind"/> and <paramref name="value"/> (64 characters).</summary>
    public static string Key(string kind, string value) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(kind + value)));

    public async Task<bool> IsLockedAsync(IReadOnlyCollection<string> keys)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await data.RunAsync(db => db.Throttles.AsNoTracking()
            .AnyAsync(t => keys.Contains(t.Key) && t.LockedUntilUtc != null && t.LockedUntilUtc > now)).ConfigureAwait(false);
    }

    /// <summary>Counts a failure against every key; a key reaching <see cref="MaxFailures"/> in its window is locked.</summary>
    public Task FailAsync(IReadOnlyCollection<string> keys) => FailAsync(keys, Default);

    /// <summary>Counts a failure against every key under <paramref name="policy"/>'s limits.</summary>
    public async Task FailAsync(IReadOnlyCollection<string> keys, ThrottlePolicy policy)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await CountAsync(keys, policy).ConfigureAwait(false);
                return;
            }
            catch (DbUpdateException) when (attempt < 2)
            {
                // Another instance counted the first failure of the same key at the same moment: count again on its row.
            }
        }
    }

    public Task ResetAsync(IReadOnlyCollection<string> keys) =>
        data.RunAsync(db => db.Throttles.Where(t => keys.Contains(t.Key)).ExecuteDeleteAsync());

    private Task<bool> CountAsync(IReadOnlyCollection<string> keys, ThrottlePolicy policy) => data.RunInTransactionAsync(async db =>
    {
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await db.Throttles.Where(t => keys.Contains(t.Key)).ToDictionaryAsync(t => t.Key).ConfigureAwait(false);
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            if (!rows.TryGetValue(key, out var row))
            {
                row = new Throttle { Key = key, WindowStartUtc = now };
                db.Throttles.Add(row);
            }
            else if (row.LockedUntilUtc is { } until ? until <= now : row.WindowStartUtc + policy.Window <= now)
            {
                // A lock served or a quiet window: counting starts again.
                row.Failures = 0;
                row.WindowStartUtc = now;
                row.LockedUntilUtc = null;
            }

            row.Failures++;
            if (row.Failures >= policy.MaxFailures && row.LockedUntilUtc is null)
            {
                row.LockedUntilUtc = now + policy.LockTime;
            }
        }

        await db.SaveChangesAsync().ConfigureAwait(false);
        return true;
    });
}

/// <summary>How many failures within <see cref="Window"/> lock a key, and for how long.</summary>
public sealed record ThrottlePolicy(int MaxFailures, TimeSpan Window, TimeSpan LockTime);

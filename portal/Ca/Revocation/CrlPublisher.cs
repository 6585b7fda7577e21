using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure.Jobs;
using Qtsp.Portal.Infrastructure.Observability;

namespace Qtsp.Portal.Ca.Revocation;

/// <summary>The CRL of one CA as it is served: DER and when it must be replaced.</summary>
public sealed record PublishedCrl(string CaName, long Number, DateTime ThisUpdateUtc, DateTime NextUpdateUtc, byte[] Der);

/// <summary>
/// Publishes the CAs' CRLs into <see cref="CrlState"/>, which every instance serves. A CRL is built from the registry
/// (the revoked certificates of that issuer), signed by the CA's key in the token and stored with the next number by a
/// guarded update (WHERE Number = the number read): of two instances publishing at once one wins, the other reads
/// the registry again and takes the number after it, so no number is ever published twice and a later number never
/// lists less. <see cref="Revoked"/> wakes the background loop, which publishes that CA's CRL within seconds; every
/// <see cref="PkiOptions.CrlCheckInterval"/> the instance holding the job lease refreshes CRLs close to their nextUpdate.
/// </summary>
public sealed partial class CrlPublisher(
    EmbeddedCertificateAuthority authority,
    IDbContextFactory<PortalDbContext> factory,
    JobLeases leases,
    IOptions<PkiOptions> pkiOptions,
    TimeProvider time,
    ILogger<CrlPublisher> logger) : BackgroundService, IRevocationPublisher
{
    public const string RefreshJob = "crl-refresh";
    private const int MaxAttempts = 20;

    private readonly Channel<string> _signals = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private PkiOptions Pki => pkiOptions.Value;

    /// <summary>The names of the CAs that publish a CRL: the root (listing issuing CA certificates) and the two issuing CAs.</summary>
    public static IReadOnlyList<string> CaNamesWithCrl => CaHierarchy.AllNames;

    /// <summary>A revocation was committed: the CRL of <paramref name="issuerName"/> (a CA name or its subject DN) is published soon. Never blocks.</summary>
    public void Revoked(string issuerName)
    {
        if (!string.IsNullOrEmpty(issuerName))
        {
            _signals.Writer.TryWrite(issuerName);
        }
    }

    /// <summary>The CRL to serve: the stored one, or a new one when none is stored or it is past its nextUpdate. Null for a name that is no CA.</summary>
    public async Task<PublishedCrl?> GetCurrentAsync(string caName, CancellationToken cancellationToken = default)
    {
        if (!CaNamesWithCrl.Contains(caName, StringComparer.Ordinal))
        {
            return null;
        }

        var stored = await ReadAsync(caName, cancellationToken).ConfigureAwait(false);
        if (stored is not null && stored.NextUpdateUtc > time.GetUtcNow().UtcDateTime)
        {
            return stored;
        }

        return await PublishAsync(caName, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds, signs and stores a new CRL of <paramref name="caName"/> under the next number.</summary>
    public async Task<PublishedCrl> PublishAsync(string caName, CancellationToken cancellationToken = default)
    {
        using var activity = PortalTelemetry.Source.StartActivity("ca.crl.publish");
        activity?.SetTag("qtsp.ca.name", caName);
        var (hierarchy, _) = await authority.GetSigningAsync(cancellationToken).ConfigureAwait(false);
        var ca = CaByName(hierarchy, caName) ?? throw new ArgumentOutOfRangeException(nameof(caName), caName, "Not a CA of this portal.");
        for (var attempt = 1; ; attempt++)
        {
            var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                var previous = await db.CrlStates.AsNoTracking().Where(s => s.CaName == caName).Select(s => (long?)s.Number).SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                var issuer = ca.Certificate.Subject;
                var entries = await db.Certificates.AsNoTracking()
                    .Where(c => c.Issuer == issuer && c.Status == CertificateStatus.Revoked)
                    .OrderBy(c => c.Id)
                    .Select(c => new { c.SerialNumber, c.RevokedAtUtc, c.RevocationReason, c.InvalidityDateUtc })
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                var thisUpdate = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
                var nextUpdate = thisUpdate + Pki.CrlValidity;
                var number = (previous ?? 0) + 1;
                var signing = System.Diagnostics.Stopwatch.GetTimestamp();
                var der = CrlEncoder.Encode(ca, number, thisUpdate, nextUpdate,
                    entries.ConvertAll(e => new CrlEntry(e.SerialNumber, e.RevokedAtUtc ?? thisUpdate.UtcDateTime, e.RevocationReason, e.InvalidityDateUtc)));
                CaMetrics.SignatureMade("crl", System.Diagnostics.Stopwatch.GetElapsedTime(signing));
                var published = new PublishedCrl(caName, number, thisUpdate.UtcDateTime, nextUpdate.UtcDateTime, der);
                if (await TryStoreAsync(db, previous, published, cancellationToken).ConfigureAwait(false))
                {
                    LogPublished(logger, caName, number, entries.Count);
                    CaMetrics.CrlPublished(caName);
                    activity?.SetTag("qtsp.ca.crl.number", number);
                    return published;
                }
            }

            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException($"The CRL of {caName} lost the race for its number {MaxAttempts} times.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 50)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Refreshes, under the job lease, every CRL that is missing or has less than <see cref="PkiOptions.CrlRefreshBefore"/> left.</summary>
    public async Task<int> RefreshDueAsync(CancellationToken cancellationToken = default)
    {
        if (await leases.TryAcquireAsync(RefreshJob, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false) is not { } fence)
        {
            return 0;
        }

        try
        {
            var refreshed = 0;
            foreach (var caName in CaNamesWithCrl)
            {
                var stored = await ReadAsync(caName, cancellationToken).ConfigureAwait(false);
                if (stored is null || stored.NextUpdateUtc - time.GetUtcNow().UtcDateTime < Pki.CrlRefreshBefore)
                {
                    await PublishAsync(caName, cancellationToken).ConfigureAwait(false);
                    refreshed++;
                }
            }

            return refreshed;
        }
        finally
        {
            await leases.ReleaseAsync(RefreshJob, fence, CancellationToken.None).ConfigureAwait(false);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextCheck = time.GetUtcNow() + Pki.CrlCheckInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = nextCheck - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(wait);
                try
                {
                    await _signals.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // time for the scheduled check
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var signalled = new HashSet<string>(StringComparer.Ordinal);
            while (_signals.Reader.TryRead(out var issuer))
            {
                signalled.Add(issuer);
            }

            try
            {
                if (signalled.Count > 0)
                {
                    var (hierarchy, _) = await authority.GetSigningAsync(stoppingToken).ConfigureAwait(false);
                    foreach (var caName in signalled.Select(i => ResolveName(hierarchy, i)).OfType<string>().Distinct(StringComparer.Ordinal))
                    {
                        await PublishAsync(caName, stoppingToken).ConfigureAwait(false);
                    }
                }

                if (time.GetUtcNow() >= nextCheck)
                {
                    nextCheck = time.GetUtcNow() + Pki.CrlCheckInterval;
                    await RefreshDueAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The next signal or check tries again; the served CRL stays valid until its nextUpdate.
                LogFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<PublishedCrl?> ReadAsync(string caName, CancellationToken cancellationToken)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var state = await db.CrlStates.AsNoTracking().SingleOrDefaultAsync(s => s.CaName == caName, cancellationToken).ConfigureAwait(false);
            return state is null ? null : new PublishedCrl(state.CaName, state.Number, state.ThisUpdateUtc, state.NextUpdateUtc, state.Der);
        }
    }

    /// <summary>The guarded write: an UPDATE of the row still at <paramref name="previous"/>, or the first INSERT (the primary key lets one win).</summary>
    private static async Task<bool> TryStoreAsync(PortalDbContext db, long? previous, PublishedCrl crl, CancellationToken cancellationToken)
    {
        if (previous is { } number)
        {
            var updated = await db.CrlStates
                .Where(s => s.CaName == crl.CaName && s.Number == number)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(s => s.Number, crl.Number)
                    .SetProperty(s => s.ThisUpdateUtc, crl.ThisUpdateUtc)
                    .SetProperty(s => s.NextUpdateUtc, crl.NextUpdateUtc)
                    .SetProperty(s => s.Der, crl.Der), cancellationToken).ConfigureAwait(false);
            return updated == 1;
        }

        db.CrlStates.Add(new CrlState { CaName = crl.CaName, Number = crl.Number, ThisUpdateUtc = crl.ThisUpdateUtc, NextUpdateUtc = crl.NextUpdateUtc, Der = crl.Der });
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateException)
        {
            return false;
        }
    }

    internal static IssuingCa? CaByName(CaHierarchy hierarchy, string caName) => caName switch
    {
        CaNames.Root => hierarchy.Root,
        CaNames.Qualified => hierarchy.Qualified,
        CaNames.Commercial => hierarchy.Commercial,
        _ => null,
    };

    private static string? ResolveName(CaHierarchy hierarchy, string issuer) =>
        CaByName(hierarchy, issuer)?.Name
        ?? new[] { hierarchy.Root, hierarchy.Qualified, hierarchy.Commercial }.FirstOrDefault(ca => string.Equals(ca.Certificate.Subject, issuer, StringComparison.Ordinal))?.Name;

    [LoggerMessage(Level = LogLevel.Information, Message = "CRL {Number} of {CaName} published with {Entries} entries")]
    private static partial void LogPublished(ILogger logger, string caName, long number, int entries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing a CRL failed; the next signal or scheduled check tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

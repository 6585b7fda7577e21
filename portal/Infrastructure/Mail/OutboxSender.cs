using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure.Observability;

namespace Qtsp.Portal.Infrastructure.Mail;

/// <summary>
/// Drains the outbox. Runs on every portal instance; each message is claimed with a conditional update (a lease of a
/// couple of minutes), so two instances never send the same message, and one that died while sending leaves it to be
/// retried; every later write requires the claim still to be this instance's (its end is the fence). Failures are
/// retried with a growing pause; the error (never the content) is kept with the message.
/// </summary>
public sealed partial class OutboxSender(
    IDbContextFactory<PortalDbContext> factory,
    IOptions<MailOptions> options,
    IConfiguration configuration,
    IHostEnvironment environment,
    TimeProvider time,
    ILogger<OutboxSender> logger) : BackgroundService
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A pass every poll interval, the first one interval after start: starting is not slowed by mail, and whoever drives
    /// <see cref="SendDueAsync"/> itself (the tests, with a long interval) is not raced by a pass at start.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.PollInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await SendDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogPassFailed(logger, exception.GetType().Name);
            }
        }
    }

    /// <summary>Sends what is due now; returns how many messages were sent.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        using var activity = PortalTelemetry.Source.StartActivity("outbox.pass");
        await using var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        OutboxMetrics.PendingCounted(await db.OutboxMessages.CountAsync(m => m.SentAtUtc == null && m.Attempts < settings.MaxAttempts, cancellationToken).ConfigureAwait(false));
        var due = await db.OutboxMessages
            .Where(m => m.SentAtUtc == null && m.NextAttemptAtUtc <= now && m.Attempts < settings.MaxAttempts && (m.LockedUntilUtc == null || m.LockedUntilUtc < now))
            .OrderBy(m => m.NextAttemptAtUtc)
            .Select(m => m.Id)
            .Take(20)
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        var sent = 0;
        await using var transport = OpenTransport();
        foreach (var id in due)
        {
            // The claim's end is this instance's fence on the message: a later claim (after this one expired) always ends
            // later, and every write below requires the row still to carry this one. Milliseconds, so that both databases
            // store it exactly.
            var claimedAt = time.GetUtcNow().UtcDateTime;
            var leaseEnd = Milliseconds(claimedAt + Lease);
            var claimed = await db.OutboxMessages
                .Where(m => m.Id == id && m.SentAtUtc == null && (m.LockedUntilUtc == null || m.LockedUntilUtc < claimedAt))
                .ExecuteUpdateAsync(m => m.SetProperty(x => x.LockedUntilUtc, leaseEnd), cancellationToken).ConfigureAwait(false);
            if (claimed != 1)
            {
                continue; // another instance has it
            }

            var message = await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Id == id, cancellationToken).ConfigureAwait(false);
            var attempts = message.Attempts + 1;
            if (!await StillClaimedAsync(db, id, leaseEnd, cancellationToken).ConfigureAwait(false))
            {
                LogClaimLost(logger, id);
                continue; // this pass was held up past its claim: another instance sends the message
            }

            var result = await DeliverAsync(transport, message, settings.From, cancellationToken).ConfigureAwait(false);
            if (result is DeliveryResult.Failed failed)
            {
                var error = failed.Error.Length > 1000 ? failed.Error[..1000] : failed.Error;
                await db.OutboxMessages.Where(m => m.Id == id && m.LockedUntilUtc == leaseEnd)
                    .ExecuteUpdateAsync(m => m.SetProperty(x => x.Attempts, attempts)
                        .SetProperty(x => x.NextAttemptAtUtc, time.GetUtcNow().UtcDateTime + Backoff(attempts))
                        .SetProperty(x => x.LockedUntilUtc, (DateTime?)null)
                        .SetProperty(x => x.LastError, error), cancellationToken)
                    .ConfigureAwait(false);
                LogFailed(logger, message.Id, message.Kind, attempts, error);
                OutboxMetrics.MessageFailed(message.Kind);
                if (failed.TransportUnusable)
                {
                    break; // the rest stay due, untouched, for the next pass
                }

                continue;
            }

            var recorded = await db.OutboxMessages.Where(m => m.Id == id && m.LockedUntilUtc == leaseEnd)
                .ExecuteUpdateAsync(m => m.SetProperty(x => x.SentAtUtc, time.GetUtcNow().UtcDateTime).SetProperty(x => x.LockedUntilUtc, (DateTime?)null)
                    .SetProperty(x => x.Attempts, attempts).SetProperty(x => x.LastError, (string?)null), cancellationToken)
                .ConfigureAwait(false);
            if (recorded != 1)
            {
                // Delivered, but the claim had passed to another instance meanwhile: its record stands, and should it send
                // the message too, the recipient's mail system sees the same Message-ID.
                LogClaimLost(logger, id);
                continue;
            }

            sent++;
            LogSent(logger, message.Id, message.Kind);
            OutboxMetrics.MessageSent(message.Kind);
        }

        activity?.SetTag("qtsp.outbox.sent", sent);
        return sent;
    }

    /// <summary>
    /// Whether the message still carries this pass's claim with time for one delivery left (checked right before sending):
    /// a pass paused past its claim — which another instance may have taken since — sends nothing.
    /// </summary>
    private async Task<bool> StillClaimedAsync(PortalDbContext db, long id, DateTime leaseEnd, CancellationToken cancellationToken)
    {
        var latestStart = leaseEnd - SmtpTransport.Timeout - SmtpTransport.Timeout;
        return time.GetUtcNow().UtcDateTime < latestStart
            && await db.OutboxMessages.AnyAsync(m => m.Id == id && m.SentAtUtc == null && m.LockedUntilUtc == leaseEnd, cancellationToken).ConfigureAwait(false);
    }

    private static DateTime Milliseconds(DateTime value) => new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);

    private static async Task<DeliveryResult> DeliverAsync(IOutboxTransport transport, OutboxMessage message, string from, CancellationToken cancellationToken)
    {
        MimeMessage mime;
        try
        {
            mime = OutboxMime.Create(message, from);
        }
        catch (ParseException exception)
        {
            return new DeliveryResult.Failed($"{nameof(ParseException)}: {exception.Message}", TransportUnusable: false);
        }

        using (mime)
        {
            return await transport.DeliverAsync(mime, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>1, 2, 4 … minutes, at most an hour.</summary>
    public static TimeSpan Backoff(int attempts) => TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, Math.Max(0, attempts - 1))));

    /// <summary>The folder .eml files are written to when no SMTP server is configured.</summary>
    public string PickupDirectory => Path.GetFullPath(options.Value.PickupDirectory, DataDirectory);

    private string DataDirectory => PortalPaths.DataDirectory(configuration, environment);

    private IOutboxTransport OpenTransport()
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.SmtpHost))
        {
            return new PickupFolderTransport(PickupDirectory);
        }

        var trusted = string.IsNullOrWhiteSpace(settings.SmtpTrustedCertificate) ? null : Path.GetFullPath(settings.SmtpTrustedCertificate, DataDirectory);
        return new SmtpTransport(settings, trusted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox message {Id} ({Kind}) sent")]
    private static partial void LogSent(ILogger logger, long id, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {Id} ({Kind}) not sent, attempt {Attempts}: {Error}")]
    private static partial void LogFailed(ILogger logger, long id, string kind, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox message {Id}: this instance's claim passed to another one before it was sent or recorded")]
    private static partial void LogClaimLost(ILogger logger, long id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox pass failed: {Error}")]
    private static partial void LogPassFailed(ILogger logger, string error);
}

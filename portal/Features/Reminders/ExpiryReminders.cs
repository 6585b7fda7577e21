using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Jobs;
using Qtsp.Portal.Infrastructure.Mail;
using static Qtsp.Portal.Infrastructure.Mail.MailTexts;

namespace Qtsp.Portal.Features.Reminders;

/// <summary>What one pass did: certificates reminded, reminder mails (a Twins pair is one mail), representatives' digests.</summary>
public sealed record ReminderRun(int Certificates, int Mails, int Digests);

/// <summary>
/// Expiry reminders. A valid certificate of a holder not blocked, not renewed (no other valid certificate of the same
/// holder and type ends later), is due for the smallest configured threshold it has crossed (ends within that many
/// days); a threshold crossed while the portal was down is not sent late once a smaller one is due. The holder gets
/// one mail with a one-time renewal link per certificate; a qualified and a commercial certificate of the same holder on
/// the same device ending within a day of each other (Twins) share one mail, the qualified first. Each certificate and
/// threshold is recorded in <see cref="ExpiryReminder"/> (unique) in the transaction that enqueues the mail, so it is
/// sent once even when two instances hold the lease one after the other or a pass is repeated. Representatives get
/// <see cref="RepresentativeDigests"/> in the same pass.
/// </summary>
public sealed partial class ExpiryReminders(
    DataAccess data,
    JobLeases leases,
    AuditTrail audit,
    MailOutbox outbox,
    RenewalLinks links,
    RepresentativeDigests digests,
    PortalTime portalTime,
    IOptions<ReminderOptions> options,
    TimeProvider time,
    ILogger<ExpiryReminders> logger)
{
    public const string JobName = "expiry-reminders";
    public const string SystemActor = "portal:expiry-reminders";
    public const string MailKind = "certificate.expiry-reminder";

    /// <summary>How far apart the ends of a qualified and a commercial certificate may be to be reminded as a pair.</summary>
    public static readonly TimeSpan TwinsTolerance = TimeSpan.FromDays(1);

    /// <summary>One pass, if this instance gets the lease; null when another instance holds it.</summary>
    public Task<ReminderRun?> RunAsync(CancellationToken cancellationToken = default) =>
        leases.RunHoldingAsync(JobName, TimeSpan.FromMinutes(10), RunHeldAsync, cancellationToken);

    private async Task<ReminderRun> RunHeldAsync(LeaseHold hold, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var thresholds = options.Value.Thresholds;
        var horizon = now.AddDays(thresholds[0]) + TwinsTolerance;
        var (candidates, sent) = await data.RunAsync(async db =>
        {
            var rows = await db.Certificates.AsNoTracking()
                .Where(c => c.Status == CertificateStatus.Issued && c.NotAfterUtc > now && c.NotAfterUtc <= horizon && !c.Applicant.IsBlocked)
                .NotRenewed(db.Certificates)
                .Select(c => new Candidate(c.Id, c.ApplicantId, c.DeviceId, c.Type, c.Subject, c.SerialNumber, c.NotAfterUtc, c.Applicant.Email))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var ids = rows.Select(c => c.Id).ToArray();
            var recorded = await db.ExpiryReminders.AsNoTracking().Where(r => ids.Contains(r.CertificateId))
                .Select(r => new { r.CertificateId, r.ThresholdDays }).ToListAsync(cancellationToken).ConfigureAwait(false);
            return (rows, recorded.Select(r => (r.CertificateId, r.ThresholdDays)).ToHashSet());
        }).ConfigureAwait(false);

        var handled = new HashSet<long>();
        var certificates = 0;
        var mails = 0;
        foreach (var certificate in candidates.OrderBy(c => c.NotAfterUtc).ThenBy(c => c.Type == CertificateType.Qualified ? 0 : 1))
        {
            if (handled.Contains(certificate.Id) || DueThreshold(certificate, thresholds, now) is not { } days || sent.Contains((certificate.Id, days)))
            {
                continue;
            }

            var twin = candidates.FirstOrDefault(other => !handled.Contains(other.Id) && AreTwins(certificate, other) && !sent.Contains((other.Id, days)));
            Candidate[] group = twin is null ? [certificate] : [.. new[] { certificate, twin }.OrderBy(c => c.Type == CertificateType.Qualified ? 0 : 1)];
            handled.UnionWith(group.Select(c => c.Id));
            if (await RemindAsync(group, days, hold, cancellationToken).ConfigureAwait(false))
            {
                certificates += group.Length;
                mails++;
            }
        }

        var digestsSent = await digests.SendDueAsync(hold, cancellationToken).ConfigureAwait(false);
        if (mails > 0 || digestsSent > 0)
        {
            LogSent(logger, mails, certificates, digestsSent);
        }

        return new ReminderRun(certificates, mails, digestsSent);
    }

    /// <summary>The smallest threshold the certificate's end is within, or null when it is within none.</summary>
    private static int? DueThreshold(Candidate certificate, IReadOnlyList<int> thresholds, DateTime now) =>
        thresholds.Where(days => certificate.NotAfterUtc - TimeSpan.FromDays(days) <= now).Select(days => (int?)days).LastOrDefault();

    private static bool AreTwins(Candidate one, Candidate other) =>
        one.Id != other.Id && one.ApplicantId == other.ApplicantId && one.DeviceId is not null && one.DeviceId == other.DeviceId
        && one.Type != other.Type && one.Type is CertificateType.Qualified or CertificateType.Commercial
        && other.Type is CertificateType.Qualified or CertificateType.Commercial
        && (one.NotAfterUtc - other.NotAfterUtc).Duration() <= TwinsTolerance;

    /// <summary>
    /// Records the reminder of every certificate in <paramref name="group"/>, their links, audit events and the one mail in
    /// one transaction; false when another instance recorded any of them first (the unique index refuses it all). The
    /// transaction confirms the lease first: a pass that lost it meanwhile commits nothing (<see cref="LeaseLostException"/>).
    /// </summary>
    private async Task<bool> RemindAsync(Candidate[] group, int days, LeaseHold hold, CancellationToken cancellationToken)
    {
        try
        {
            await data.RunInTransactionAsync(async db =>
            {
                await hold.ConfirmAsync(db, cancellationToken).ConfigureAwait(false);
                var now = time.GetUtcNow().UtcDateTime;
                var items = new List<MailText>();
                foreach (var certificate in group)
                {
                    db.ExpiryReminders.Add(new ExpiryReminder { CertificateId = certificate.Id, ThresholdDays = days, SentAtUtc = now });
                    var link = links.Issue(db, certificate.Id, certificate.ApplicantId, certificate.NotAfterUtc);
                    items.Add(L["Reminders.Mail.Item", InBothLanguages.TypeOf(certificate.Type), certificate.Subject, certificate.SerialNumber,
                        portalTime.Stamp(certificate.NotAfterUtc), link.Address.AbsoluteUri, portalTime.Stamp(link.ExpiresAtUtc)]);
                    audit.Add(db, SystemActor, AuditActions.ExpiryReminderSent, AuditSubjects.Certificate(certificate.Id), new
                    {
                        serial = certificate.SerialNumber, days, notAfterUtc = certificate.NotAfterUtc,
                    });
                }

                var first = group[0];
                outbox.Enqueue(db, MailKind, first.Email,
                    L[group.Length == 1 ? "Reminders.Mail.Subject" : "Reminders.Mail.SubjectTwins", portalTime.Stamp(first.NotAfterUtc)],
                    L["Reminders.Mail.Body", InBothLanguages.Lines(items)]);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateException exception) when (DataAccess.IsUniqueViolation(exception))
        {
            return false;
        }
    }

    private sealed record Candidate(long Id, long ApplicantId, long? DeviceId, CertificateType Type, string Subject, string SerialNumber, DateTime NotAfterUtc, string Email);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expiry reminders: {Mails} mail(s) about {Certificates} certificate(s); {Digests} representative digest(s)")]
    private static partial void LogSent(ILogger logger, int mails, int certificates, int digests);
}

/// <summary>The certificate queries the reminders share.</summary>
public static class ExpiringCertificates
{
    /// <summary>Leaves out certificates already renewed: another valid certificate of the same holder and type ends later.</summary>
    public static IQueryable<Certificate> NotRenewed(this IQueryable<Certificate> certificates, IQueryable<Certificate> all) =>
        certificates.Where(c => !all.Any(n => n.Id != c.Id && n.ApplicantId == c.ApplicantId && n.Type == c.Type
            && n.Status == CertificateStatus.Issued && n.NotAfterUtc > c.NotAfterUtc));
}

/// <summary>
/// A mail text as an argument of another mail text: formatted with the Czech or the English culture, it gives that
/// language's version (so lists built per item end up in the right half of a bilingual mail).
/// </summary>
internal sealed class InBothLanguages(MailText text) : IFormattable
{
    public static InBothLanguages TypeOf(CertificateType type) => new(L[$"Certificates.Type.{type}"]);

    public static InBothLanguages Lines(IEnumerable<MailText> items)
    {
        var list = items.ToList();
        return new(new MailText(string.Join("\n\n", list.Select(i => i.Czech)), string.Join("\n\n", list.Select(i => i.English))));
    }

    public string ToString(string? format, IFormatProvider? formatProvider) =>
        formatProvider is CultureInfo { TwoLetterISOLanguageName: "en" } ? text.English : text.Czech;

    public override string ToString() => text.Czech;
}

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

/// <summary>
/// The weekly digest for company representatives: the valid, not renewed certificates of their organisation's applicants
/// that end within <see cref="ReminderOptions.DigestDays"/>, earliest first. A week's digest is due from its
/// <see cref="ReminderOptions.DigestDay"/> on (a later pass in the same week catches up) and is recorded per
/// representative and week (<see cref="ExpiryDigest"/>, unique) with its mail; a week with nothing ending sends nothing.
/// Runs inside <see cref="ExpiryReminders"/>' pass, under its lease.
/// </summary>
public sealed class RepresentativeDigests(DataAccess data, AuditTrail audit, MailOutbox outbox, PortalTime portalTime, IOptions<ReminderOptions> options, TimeProvider time)
{
    public const string MailKind = "certificate.expiry-digest";

    /// <summary>Sends this week's digests not sent yet; how many.</summary>
    public async Task<int> SendDueAsync(LeaseHold hold, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var weekOf = WeekOf(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), portalTime.Zone).DateTime), options.Value.DigestDay);
        var until = now.AddDays(options.Value.DigestDays);
        var representatives = await data.RunAsync(db => (
                from user in db.Users
                join userRole in db.UserRoles on user.Id equals userRole.UserId
                join role in db.Roles on userRole.RoleId equals role.Id
                where role.Name == PortalRoles.CompanyRepresentative && user.OrganisationId != null && user.Email != null
                    && !db.ExpiryDigests.Any(d => d.RepresentativeUserId == user.Id && d.WeekOf == weekOf)
                select new { user.Id, user.UserName, user.Email, OrganisationId = user.OrganisationId!.Value, OrganisationName = user.Organisation!.Name })
            .AsNoTracking().ToListAsync(cancellationToken)).ConfigureAwait(false);

        var sent = 0;
        foreach (var organisation in representatives.GroupBy(r => r.OrganisationId))
        {
            var ending = await data.RunAsync(db => db.Certificates.AsNoTracking()
                .Where(c => c.Applicant.OrganisationId == organisation.Key && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now && c.NotAfterUtc <= until)
                .NotRenewed(db.Certificates)
                .OrderBy(c => c.NotAfterUtc).ThenBy(c => c.Id)
                .Select(c => new { c.Type, c.Subject, c.SerialNumber, c.NotAfterUtc, c.Applicant.FirstName, c.Applicant.LastName })
                .ToListAsync(cancellationToken)).ConfigureAwait(false);
            if (ending.Count == 0)
            {
                continue;
            }

            var items = ending.Select(c => L["Reminders.Digest.Item", $"{c.FirstName} {c.LastName}", InBothLanguages.TypeOf(c.Type), c.Subject, c.SerialNumber,
                portalTime.Stamp(c.NotAfterUtc)]).ToList();
            foreach (var representative in organisation)
            {
                try
                {
                    await data.RunInTransactionAsync(async db =>
                    {
                        await hold.ConfirmAsync(db, cancellationToken).ConfigureAwait(false);
                        db.ExpiryDigests.Add(new ExpiryDigest { RepresentativeUserId = representative.Id, WeekOf = weekOf, Certificates = ending.Count, SentAtUtc = now });
                        audit.Add(db, ExpiryReminders.SystemActor, AuditActions.ExpiryDigestSent, AuditSubjects.User(representative.UserName ?? representative.Id),
                            new { certificates = ending.Count, weekOf = weekOf.ToString("O", System.Globalization.CultureInfo.InvariantCulture) });
                        outbox.Enqueue(db, MailKind, representative.Email!,
                            L["Reminders.Digest.Subject", options.Value.DigestDays],
                            L["Reminders.Digest.Body", representative.OrganisationName, options.Value.DigestDays, InBothLanguages.Lines(items)]);
                        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                        return true;
                    }).ConfigureAwait(false);
                    sent++;
                }
                catch (DbUpdateException exception) when (DataAccess.IsUniqueViolation(exception))
                {
                    // Recorded by another instance meanwhile.
                }
            }
        }

        return sent;
    }

    /// <summary>The week's digest day: the latest <paramref name="digestDay"/> on or before <paramref name="today"/>.</summary>
    public static DateOnly WeekOf(DateOnly today, DayOfWeek digestDay) => today.AddDays(-(((int)today.DayOfWeek - (int)digestDay + 7) % 7));
}

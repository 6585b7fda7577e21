using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Devices;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Statistics;

/// <summary>
/// Statistics and overviews: a representative sees their organisation's, RA operators and administrators every
/// organisation's (one by choice); holders none. Each figure is one aggregating query (GROUP BY in the database) over
/// the rows the account may see — no certificate or request is loaded to be counted.
/// </summary>
public sealed class StatisticsService(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit,
    DeviceCertificationService devices,
    PortalTime portalTime,
    TimeProvider time)
{
    public const string Subject = "statistics";

    public const int MaxChoices = 20;

    /// <summary>Who may open the statistics: a representative (also through a support session), RA operators and administrators.</summary>
    public static bool MayView(Actor actor) => actor.IsRepresentative || DataScope.SeesEveryCustomer(actor);

    /// <summary>Whether the account chooses among organisations (staff) rather than seeing its own.</summary>
    public static bool ChoosesOrganisation(Actor actor) => DataScope.SeesEveryCustomer(actor);

    public async Task<StatisticsReport> ReportAsync(StatisticsFilter filter)
    {
        var actor = await RequireViewerAsync("view").ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var today = devices.Today();
        return await data.RunAsync(db => ReportAsync(db, actor, filter, now, today, portalTime.Zone, devices.EndingSoonDays)).ConfigureAwait(false);
    }

    /// <summary>The report on a given context (the benchmark measures exactly this); the caller has checked <see cref="MayView"/>.</summary>
    public static async Task<StatisticsReport> ReportAsync(
        PortalDbContext db, Actor actor, StatisticsFilter filter, DateTime nowUtc, DateOnly today, TimeZoneInfo zone, int deviceEndingSoonDays)
    {
        var applicants = Applicants(db, actor, filter);
        var certificates = Certificates(db, actor, filter, applicants);
        var (first, last) = filter.Months(today);
        var buckets = new MonthBuckets(first, last, zone);

        var certificateCounts = await CountByTypeAndStateAsync(certificates, nowUtc).ConfigureAwait(false);
        var expiring = await CountExpiringAsync(certificates, nowUtc, today, zone).ConfigureAwait(false);
        var months = await CountPerMonthAsync(certificates, buckets).ConfigureAwait(false);
        var requests = await CountRequestsAsync(db, filter, applicants, buckets).ConfigureAwait(false);
        var endingSoon = await DeviceCertificationService.EndingSoonAsync(db, applicants, today, today.AddDays(deviceEndingSoonDays)).ConfigureAwait(false);
        return new StatisticsReport(nowUtc, filter with { From = first, To = last }, certificateCounts, expiring, months, requests, endingSoon, deviceEndingSoonDays);
    }

    /// <summary>The applicants the statistics cover: what the account may see, narrowed by the filter.</summary>
    private static IQueryable<Applicant> Applicants(PortalDbContext db, Actor actor, StatisticsFilter filter)
    {
        var applicants = db.Applicants.AsNoTracking().VisibleTo(actor);
        if (filter.OrganisationId is { } organisation)
        {
            applicants = applicants.Where(a => a.OrganisationId == organisation);
        }

        if (filter.ApplicantId is { } applicant)
        {
            applicants = applicants.Where(a => a.Id == applicant);
        }

        return applicants;
    }

    private static IQueryable<Certificate> Certificates(PortalDbContext db, Actor actor, StatisticsFilter filter, IQueryable<Applicant> applicants)
    {
        var certificates = db.Certificates.AsNoTracking();
        // Staff looking at everything need no join with the applicants at all.
        var unrestricted = DataScope.SeesEveryCustomer(actor) && filter.OrganisationId is null && filter.ApplicantId is null;
        if (!unrestricted)
        {
            certificates = filter.ApplicantId is { } applicant
                ? certificates.Where(c => c.ApplicantId == applicant && applicants.Any(a => a.Id == c.ApplicantId))
                : certificates.Where(c => applicants.Any(a => a.Id == c.ApplicantId));
        }

        return filter.Type is { } type ? certificates.Where(c => c.Type == type) : certificates;
    }

    private static async Task<IReadOnlyList<CertificateCount>> CountByTypeAndStateAsync(IQueryable<Certificate> certificates, DateTime nowUtc)
    {
        var rows = await certificates
            .GroupBy(c => new
            {
                c.Type,
                State = c.Status == CertificateStatus.Revoked ? CertificateState.Revoked
                    : c.NotAfterUtc <= nowUtc ? CertificateState.Expired
                    : CertificateState.Valid,
            })
            .Select(g => new { g.Key.Type, g.Key.State, Count = g.Count() })
            .ToListAsync().ConfigureAwait(false);
        return [.. rows.Select(r => new CertificateCount(r.Type, r.State, r.Count)).OrderBy(r => r.Type).ThenBy(r => r.State)];
    }

    private static async Task<ExpiringCounts> CountExpiringAsync(IQueryable<Certificate> certificates, DateTime nowUtc, DateOnly today, TimeZoneInfo zone)
    {
        // "Within 30 days" ends with the 30th day from today in the portal's zone, not 30 × 24 hours from now.
        DateTime EndOfDay(int days) => TimeZoneInfo.ConvertTimeToUtc(today.AddDays(days + 1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), zone);
        var end30 = EndOfDay(30);
        var end60 = EndOfDay(60);
        var end90 = EndOfDay(90);
        var rows = await certificates
            .Where(c => c.Status == CertificateStatus.Issued && c.NotAfterUtc > nowUtc && c.NotAfterUtc < end90)
            .GroupBy(c => c.NotAfterUtc < end30 ? 30 : c.NotAfterUtc < end60 ? 60 : 90)
            .Select(g => new { Days = g.Key, Count = g.Count() })
            .ToListAsync().ConfigureAwait(false);
        int Upto(int days) => rows.Where(r => r.Days <= days).Sum(r => r.Count);
        return new ExpiringCounts(Upto(30), Upto(60), Upto(90));
    }

    /// <summary>
    /// Issued counts by the start of validity (the CA issues with notBefore = now; a certificate issued to start later
    /// counts in the month its validity starts), revoked by the revocation time.
    /// </summary>
    private static async Task<IReadOnlyList<MonthCount>> CountPerMonthAsync(IQueryable<Certificate> certificates, MonthBuckets buckets)
    {
        var start = buckets.StartUtc();
        var end = buckets.EndUtc();
        var issued = await certificates
            .Where(c => c.NotBeforeUtc >= start && c.NotBeforeUtc < end)
            .GroupBy(buckets.IndexOf<Certificate>(c => c.NotBeforeUtc))
            .Select(g => new { Month = g.Key, Count = g.Count() })
            .ToDictionaryAsync(r => r.Month, r => r.Count).ConfigureAwait(false);
        var revoked = await certificates
            .Where(c => c.Status == CertificateStatus.Revoked && c.RevokedAtUtc >= start && c.RevokedAtUtc < end)
            .GroupBy(buckets.IndexOf<Certificate>(c => c.RevokedAtUtc))
            .Select(g => new { Month = g.Key, Count = g.Count() })
            .ToDictionaryAsync(r => r.Month, r => r.Count).ConfigureAwait(false);
        return [.. buckets.Months.Select((month, i) => new MonthCount(month, issued.GetValueOrDefault(i), revoked.GetValueOrDefault(i)))];
    }

    /// <summary>The requests made in the period, by the state they are in now.</summary>
    private static async Task<IReadOnlyList<RequestCount>> CountRequestsAsync(PortalDbContext db, StatisticsFilter filter, IQueryable<Applicant> applicants, MonthBuckets buckets)
    {
        var start = buckets.StartUtc();
        var end = buckets.EndUtc();
        var requests = db.CertificateRequests.AsNoTracking()
            .Where(r => r.CreatedAtUtc >= start && r.CreatedAtUtc < end && applicants.Any(a => a.Id == r.ApplicantId));
        if (filter.Type is { } type)
        {
            requests = requests.Where(r => r.Type == type);
        }

        var rows = await requests
            .GroupBy(r => r.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() })
            .ToListAsync().ConfigureAwait(false);
        return [.. rows.Select(r => new RequestCount(r.Status, r.Count)).OrderBy(r => r.Status)];
    }

    /// <summary>Organisations whose name contains <paramref name="term"/>, for staff choosing one.</summary>
    public async Task<IReadOnlyList<StatisticsChoice>> OrganisationsAsync(string? term)
    {
        var actor = await RequireViewerAsync("organisations").ConfigureAwait(false);
        if (!ChoosesOrganisation(actor))
        {
            return [];
        }

        var text = term?.Trim().ToLowerInvariant() ?? "";
        // lower() in SQL on both providers (the analyzers' culture advice is about .NET's own ToLower, which does not run here).
#pragma warning disable CA1304, CA1311, CA1862
        return await data.RunAsync<IReadOnlyList<StatisticsChoice>>(async db => await db.Organisations.AsNoTracking()
            .Where(o => text.Length == 0 || o.Name.ToLower().Contains(text) || o.ContractNumber.ToLower().Contains(text))
            .OrderBy(o => o.Name).ThenBy(o => o.Id)
            .Take(MaxChoices)
            .Select(o => new StatisticsChoice(o.Id, o.Name))
            .ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
#pragma warning restore CA1304, CA1311, CA1862
    }

    /// <summary>The names of the organisation and applicant a filter names, where the account may see them.</summary>
    public async Task<(StatisticsChoice? Organisation, StatisticsChoice? Applicant)> ChoicesAsync(StatisticsFilter filter)
    {
        var actor = await RequireViewerAsync("view").ConfigureAwait(false);
        return await data.RunAsync(async db =>
        {
            var organisation = filter.OrganisationId is { } organisationId && ChoosesOrganisation(actor)
                ? await db.Organisations.AsNoTracking().Where(o => o.Id == organisationId)
                    .Select(o => new StatisticsChoice(o.Id, o.Name)).SingleOrDefaultAsync().ConfigureAwait(false)
                : null;
            var applicant = filter.ApplicantId is { } applicantId
                ? await db.Applicants.AsNoTracking().VisibleTo(actor).Where(a => a.Id == applicantId)
                    .Select(a => new StatisticsChoice(a.Id, a.FirstName + " " + a.LastName)).SingleOrDefaultAsync().ConfigureAwait(false)
                : null;
            return (organisation, applicant);
        }).ConfigureAwait(false);
    }

    private async Task<Actor> RequireViewerAsync(string operation)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (!MayView(actor))
        {
            throw await audit.RefuseAsync(actor, Subject, operation).ConfigureAwait(false);
        }

        return actor;
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Statistics;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using static Qtsp.Portal.Tests.Statistics.StatisticsSeed;

namespace Qtsp.Portal.Tests.Statistics;

/// <summary>Both providers with the clock at 1 December 2026, 10:00 in Prague (09:00 UTC).</summary>
public sealed class StatisticsPortals : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<DatabaseProvider, PortalServer> _servers = [];

    public TestData Data(DatabaseProvider provider) => new(_servers[provider].App.Services);

    public async Task InitializeAsync()
    {
        var clock = new TestClock(Now);
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql })
        {
            _servers[provider] = await PortalServer.StartAsync(provider, services => services.AddSingleton<TimeProvider>(clock));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }
    }
}

/// <summary>
/// The figures computed from seeded rows on SQLite and PostgreSQL: states, the 30/60/90-day windows and months counted
/// in the portal's zone (Europe/Prague) at their edges, filters, and the data scope — a representative never gets a
/// number of another organisation, whatever the filter names; a holder gets no statistics at all.
/// </summary>
public sealed class StatisticsServiceTests(StatisticsPortals portals) : IClassFixture<StatisticsPortals>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    private sealed record World(
        Organisation A, Applicant A1, Applicant A2, TestAccount RepresentativeA,
        Organisation B, Applicant B1, TestAccount RepresentativeB, SecureDevice DeviceA1);

    private static async Task<World> WorldAsync(TestData data)
    {
        var a = await data.OrganisationAsync();
        var a1 = await data.ApplicantAsync(a, "Alena");
        var a2 = await data.ApplicantAsync(a, "Adam");
        var b = await data.OrganisationAsync();
        var b1 = await data.ApplicantAsync(b, "Bohdan");

        // Qualified, valid; starts 00:30 on 1 November in Prague (still 31 October in UTC); ends 23:59 on 31 December (30th day).
        await data.CertificateAsync(a1, CertificateType.Qualified, Utc(2026, 10, 31, 23, 30), Utc(2026, 12, 31, 22, 59));
        // Commercial, valid; starts 23:59 on 31 October in Prague; ends at midnight starting 1 January: the 31st day, so within 60.
        await data.CertificateAsync(a1, CertificateType.Commercial, Utc(2026, 10, 31, 22, 59), Utc(2026, 12, 31, 23, 0));
        // Qualified, started 00:30 on 1 April in Prague (summer time), revoked 00:30 on 1 December in Prague.
        await data.CertificateAsync(a2, CertificateType.Qualified, Utc(2026, 3, 31, 22, 30), Utc(2027, 3, 15), revokedAtUtc: Utc(2026, 11, 30, 23, 30));
        // Qualified, expired; issued before the period.
        await data.CertificateAsync(a2, CertificateType.Qualified, Utc(2025, 6, 1), Utc(2026, 6, 1));
        // Commercial, issued today, ends on the 76th day: within 90 only.
        await data.CertificateAsync(a2, CertificateType.Commercial, Utc(2026, 12, 1, 8), Utc(2027, 2, 15, 12));
        // Qualified, revoked in May although its validity would end within 30 days: revoked, not expiring.
        await data.CertificateAsync(a1, CertificateType.Qualified, Utc(2026, 5, 10), Utc(2026, 12, 20), revokedAtUtc: Utc(2026, 5, 20, 10));

        // Organisation B: more of everything, in the same months.
        await data.CertificateAsync(b1, CertificateType.Qualified, Utc(2026, 11, 15), Utc(2026, 12, 10));
        await data.CertificateAsync(b1, CertificateType.Qualified, Utc(2026, 11, 16), Utc(2027, 11, 16), revokedAtUtc: Utc(2026, 11, 20));
        await data.CertificateAsync(b1, CertificateType.Commercial, Utc(2026, 4, 2), Utc(2026, 12, 5));

        await data.RequestAsync(a1, CertificateType.Qualified, RequestStatus.Prepared, Utc(2026, 11, 5));
        await data.RequestAsync(a1, CertificateType.Qualified, RequestStatus.Submitted, Utc(2026, 6, 1));
        await data.RequestAsync(a1, CertificateType.Commercial, RequestStatus.Issued, Utc(2026, 2, 1));
        // 00:30 on 1 January 2026 in Prague: in the period; 23:30 on 31 December 2025: not.
        await data.RequestAsync(a2, CertificateType.Qualified, RequestStatus.Rejected, Utc(2025, 12, 31, 23, 30));
        await data.RequestAsync(a2, CertificateType.Qualified, RequestStatus.Withdrawn, Utc(2025, 12, 31, 22, 30));
        await data.RequestAsync(b1, CertificateType.Qualified, RequestStatus.Submitted, Utc(2026, 11, 1));

        var today = DateOnly.FromDateTime(StatisticsPortals.Now.UtcDateTime);
        var deviceA1 = await data.DeviceAsync(a1, qscdUntil: today.AddDays(10));
        await data.DeviceAsync(a2, qscdUntil: today.AddDays(100));
        await data.DeviceAsync(b1, qscdUntil: today.AddDays(40));

        return new World(a, a1, a2, await data.AccountAsync(PortalRoles.CompanyRepresentative, a), b, b1, await data.AccountAsync(PortalRoles.CompanyRepresentative, b), deviceA1);
    }

    private static Task<StatisticsReport> ReportAsync(TestData data, TestAccount account, StatisticsFilter filter) =>
        data.AsAsync<StatisticsService, StatisticsReport>(account, s => s.ReportAsync(filter));

    private static int[] Issued(StatisticsReport report) => [.. report.Months.Select(m => m.Issued)];

    private static int[] Revoked(StatisticsReport report) => [.. report.Months.Select(m => m.Revoked)];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_representative_gets_their_organisations_figures_counted_in_the_portals_zone(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);

        var report = await ReportAsync(data, world.RepresentativeA, new StatisticsFilter());

        report.Filter.From.ShouldBe(new DateOnly(2026, 1, 1));
        report.Filter.To.ShouldBe(new DateOnly(2026, 12, 1));
        report.CountOf(CertificateType.Qualified, CertificateState.Valid).ShouldBe(1);
        report.CountOf(CertificateType.Qualified, CertificateState.Expired).ShouldBe(1);
        report.CountOf(CertificateType.Qualified, CertificateState.Revoked).ShouldBe(2);
        report.CountOf(CertificateType.Commercial, CertificateState.Valid).ShouldBe(2);
        report.CountOf(CertificateType.Commercial, CertificateState.Expired).ShouldBe(0);
        report.Certificates.Sum(c => c.Count).ShouldBe(6);
        report.Expiring.ShouldBe(new ExpiringCounts(1, 2, 3));

        report.Months.Select(m => m.Month).ShouldBe(Enumerable.Range(1, 12).Select(m => new DateOnly(2026, m, 1)));
        //                               J  F  M  A  M  J  J  A  S  O  N  D
        Issued(report).ShouldBe([0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1]);
        Revoked(report).ShouldBe([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);

        report.CountOf(RequestStatus.Prepared).ShouldBe(1);
        report.CountOf(RequestStatus.Submitted).ShouldBe(1);
        report.CountOf(RequestStatus.Issued).ShouldBe(1);
        report.CountOf(RequestStatus.Rejected).ShouldBe(1);
        report.CountOf(RequestStatus.Withdrawn).ShouldBe(0);

        report.DevicesEndingSoon.Select(d => d.DeviceId).ShouldBe([world.DeviceA1.Id]);
        report.DeviceEndingSoonDays.ShouldBe(90);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Filters_by_type_applicant_and_period_narrow_every_figure(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);

        var commercial = await ReportAsync(data, world.RepresentativeA, new StatisticsFilter(Type: CertificateType.Commercial));
        commercial.Certificates.ShouldAllBe(c => c.Type == CertificateType.Commercial);
        commercial.CountOf(CertificateType.Commercial, CertificateState.Valid).ShouldBe(2);
        commercial.Expiring.ShouldBe(new ExpiringCounts(0, 1, 2));
        Issued(commercial).ShouldBe([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
        Revoked(commercial).Sum().ShouldBe(0);
        commercial.Requests.ShouldBe([new RequestCount(RequestStatus.Issued, 1)]);

        var adam = await ReportAsync(data, world.RepresentativeA, new StatisticsFilter(ApplicantId: world.A2.Id));
        adam.CountOf(CertificateType.Qualified, CertificateState.Expired).ShouldBe(1);
        adam.CountOf(CertificateType.Qualified, CertificateState.Revoked).ShouldBe(1);
        adam.CountOf(CertificateType.Commercial, CertificateState.Valid).ShouldBe(1);
        adam.CountOf(CertificateState.Valid).ShouldBe(1);
        adam.Expiring.ShouldBe(new ExpiringCounts(0, 0, 1));
        adam.Requests.ShouldBe([new RequestCount(RequestStatus.Rejected, 1)]);
        adam.DevicesEndingSoon.ShouldBeEmpty(); // Adam's device is certified for 100 more days

        // October to November 2026, given in reverse: two months, the October start (23:59 on 31 October) and November's.
        var autumn = await ReportAsync(data, world.RepresentativeA, new StatisticsFilter(From: new DateOnly(2026, 11, 20), To: new DateOnly(2026, 10, 1)));
        autumn.Months.ShouldBe([new MonthCount(new DateOnly(2026, 10, 1), 1, 0), new MonthCount(new DateOnly(2026, 11, 1), 1, 0)]);
        autumn.CountOf(RequestStatus.Prepared).ShouldBe(1);
        autumn.Requests.Sum(r => r.Count).ShouldBe(1);
        autumn.Certificates.Sum(c => c.Count).ShouldBe(6); // the states are as of now, whatever the period
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_representative_gets_no_number_of_another_organisation_whatever_the_filter_names(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);

        foreach (var crafted in new[]
                 {
                     new StatisticsFilter(OrganisationId: world.B.Id),
                     new StatisticsFilter(ApplicantId: world.B1.Id),
                     new StatisticsFilter(OrganisationId: world.B.Id, ApplicantId: world.B1.Id),
                     new StatisticsFilter(OrganisationId: world.A.Id, ApplicantId: world.B1.Id),
                 })
        {
            var report = await ReportAsync(data, world.RepresentativeA, crafted);
            report.Certificates.ShouldBeEmpty(crafted.ToString());
            report.Expiring.ShouldBe(new ExpiringCounts(0, 0, 0), crafted.ToString());
            report.Months.ShouldAllBe(m => m.Issued == 0 && m.Revoked == 0, crafted.ToString());
            report.Requests.ShouldBeEmpty(crafted.ToString());
            report.DevicesEndingSoon.ShouldBeEmpty(crafted.ToString());
            (await data.AsAsync<StatisticsService, (StatisticsChoice?, StatisticsChoice? Applicant)>(world.RepresentativeA, s => s.ChoicesAsync(crafted))).Applicant.ShouldBeNull();
        }

        // B's own representative sees B's numbers (the filter above was not simply empty).
        var b = await ReportAsync(data, world.RepresentativeB, new StatisticsFilter());
        b.Certificates.Sum(c => c.Count).ShouldBe(3);
        b.Expiring.Within30Days.ShouldBe(2);
        (await data.AsAsync<StatisticsService, IReadOnlyList<StatisticsChoice>>(world.RepresentativeA, s => s.OrganisationsAsync(world.B.Name))).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Staff_see_every_organisation_or_the_one_they_choose(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);
        var raOperator = await data.AccountAsync(PortalRoles.RaOperator);

        var representativeView = await ReportAsync(data, world.RepresentativeA, new StatisticsFilter());
        var chosenA = await ReportAsync(data, raOperator, new StatisticsFilter(OrganisationId: world.A.Id));
        chosenA.Certificates.ShouldBe(representativeView.Certificates);
        chosenA.Expiring.ShouldBe(representativeView.Expiring);
        chosenA.Months.ShouldBe(representativeView.Months);
        chosenA.Requests.ShouldBe(representativeView.Requests);
        chosenA.DevicesEndingSoon.Select(d => d.DeviceId).ShouldBe(representativeView.DevicesEndingSoon.Select(d => d.DeviceId));

        var chosenB = await ReportAsync(data, raOperator, new StatisticsFilter(OrganisationId: world.B.Id));
        chosenB.Certificates.Sum(c => c.Count).ShouldBe(3);
        chosenB.DevicesEndingSoon.ShouldHaveSingleItem().HolderName.ShouldBe(world.B1.DisplayName);

        // Across organisations: at least A and B together (other tests' organisations share the database).
        var all = await ReportAsync(data, raOperator, new StatisticsFilter());
        all.Certificates.Sum(c => c.Count).ShouldBeGreaterThanOrEqualTo(9);
        all.Months.Single(m => m.Month == new DateOnly(2026, 11, 1)).Issued.ShouldBeGreaterThanOrEqualTo(3);
        (await data.AsAsync<StatisticsService, IReadOnlyList<StatisticsChoice>>(raOperator, s => s.OrganisationsAsync(world.B.Name.ToUpperInvariant())))
            .ShouldContain(new StatisticsChoice(world.B.Id, world.B.Name));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_holder_is_refused_and_the_refusal_audited(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);
        var holder = await data.AccountAsync(PortalRoles.Holder, applicant: world.A1);

        await Should.ThrowAsync<AccessRefusedException>(() => ReportAsync(data, holder, new StatisticsFilter(OrganisationId: world.A.Id)));

        (await data.DbAsync(db => db.AuditEvents.AsNoTracking().CountAsync(e => e.Action == AuditActions.AccessRefused && e.Actor == holder.UserName && e.Subject == StatisticsService.Subject)))
            .ShouldBe(1);
    }
}

using Bunit;
using MudBlazor;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Devices;
using Qtsp.Portal.Features.Statistics;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Components;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Statistics;

/// <summary>The statistics' figures and filter bar as components: numbers where they belong, month names in the page's language, the filter handed on whole.</summary>
public sealed class StatisticsComponentTests : PortalComponentTest
{
    private static readonly DateOnly December = new(2026, 12, 1);

    private static StatisticsReport Report() => new(
        new DateTime(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc),
        new StatisticsFilter(From: new DateOnly(2026, 11, 1), To: December),
        [
            new CertificateCount(CertificateType.Qualified, CertificateState.Valid, 7),
            new CertificateCount(CertificateType.Qualified, CertificateState.Revoked, 2),
            new CertificateCount(CertificateType.Commercial, CertificateState.Expired, 4),
        ],
        new ExpiringCounts(1, 3, 5),
        [new MonthCount(new DateOnly(2026, 11, 1), 6, 1), new MonthCount(December, 2, 0)],
        [new RequestCount(RequestStatus.Submitted, 3)],
        [new DeviceEndingSoon(5, "5110CC0000000009", "etoken-5110-cc", "Jana Nováková", new DateOnly(2026, 12, 24))],
        90);

    [Fact]
    public void The_figures_render_in_their_rows_with_czech_month_names_and_both_charts()
    {
        var view = Render<StatisticsView>(p => p.Add(v => v.Report, Report()));

        var qualified = view.Find("[data-testid=type-row][data-type=Qualified]");
        qualified.QuerySelector("[data-state=Valid]")!.TextContent.ShouldBe("7");
        qualified.QuerySelector("[data-state=Revoked]")!.TextContent.ShouldBe("2");
        qualified.QuerySelector("[data-state=Total]")!.TextContent.ShouldBe("9");
        view.Find("[data-testid=type-row][data-type=Commercial] [data-state=Expired]").TextContent.ShouldBe("4");
        view.Find("[data-testid=type-row][data-type=Seal] [data-state=Total]").TextContent.ShouldBe("0");
        view.FindAll("[data-testid=expiring] [data-testid=count]").Select(e => e.TextContent).ShouldBe(["1", "3", "5"]);

        var november = view.Find("[data-testid=month-row][data-month='2026-11']");
        november.QuerySelector("th")!.TextContent.ShouldBe("listopad 2026");
        november.QuerySelector("[data-testid=issued]")!.TextContent.ShouldBe("6");
        november.QuerySelector("[data-testid=revoked]")!.TextContent.ShouldBe("1");
        view.Find("[data-testid=request-row][data-status=Submitted] td").TextContent.ShouldBe("3");
        view.Find("[data-testid=request-row][data-status=Prepared] td").TextContent.ShouldBe("0");
        view.Find("[data-testid=device-row][data-serial='5110CC0000000009'] td.nowrap").TextContent.ShouldBe(PortalTime.Date(new DateOnly(2026, 12, 24), Texts.Culture("cs")));

        view.FindComponents<MudChart<double>>().Count.ShouldBe(2);
        view.Find("[data-testid=month-chart]").TextContent.ShouldContain("lis 26");
    }

    [Fact]
    public void In_english_the_months_are_english_and_the_printable_overview_has_no_charts()
    {
        UseCulture(Portal.Infrastructure.Localization.English);

        var view = Render<StatisticsView>(p => p.Add(v => v.Report, Report()).Add(v => v.Charts, false));

        view.Find("[data-testid=month-row][data-month='2026-12'] th").TextContent.ShouldBe("December 2026");
        view.FindComponents<MudChart<double>>().ShouldBeEmpty();
        view.Find("[data-testid=statistics-devices] h2").TextContent.ShouldBe(Texts.Format("Statistics.Devices", Portal.Infrastructure.Localization.English, 90));
    }

    [Fact]
    public void The_filter_bar_hands_on_the_type_and_months_chosen_and_offers_organisations_only_to_staff()
    {
        Render<MudPopoverProvider>();
        StatisticsFilter? applied = null;
        var applicant = new StatisticsChoice(42, "Jana Nováková");
        IRenderedComponent<StatisticsFilterBar> Bar(bool staff) => Render<StatisticsFilterBar>(p => p
            .Add(b => b.Filter, new StatisticsFilter(ApplicantId: 42, From: new DateOnly(2026, 1, 1), To: December))
            .Add(b => b.Applicant, applicant)
            .Add(b => b.ChoosesOrganisation, staff)
            .Add(b => b.SearchOrganisations, _ => Task.FromResult<IReadOnlyList<StatisticsChoice>>([]))
            .Add(b => b.SearchApplicants, _ => Task.FromResult<IReadOnlyList<StatisticsChoice>>([applicant]))
            .Add(b => b.FilterChanged, (StatisticsFilter f) => applied = f));

        var representative = Bar(staff: false);
        representative.FindAll("[data-testid=filter-organisation]").ShouldBeEmpty();
        representative.Find("input[data-testid=filter-from]").GetAttribute("value").ShouldBe("2026-01");
        representative.Find("input[data-testid=filter-from]").Change("2026-06");
        representative.InvokeAsync(() => representative.FindComponent<MudSelect<CertificateType?>>().Instance.SelectOption(CertificateType.Commercial));
        representative.Find("[data-testid=statistics-filter]").Submit();

        applied.ShouldBe(new StatisticsFilter(null, 42, CertificateType.Commercial, new DateOnly(2026, 6, 1), December));

        Bar(staff: true).FindAll("[data-testid=filter-organisation]").ShouldHaveSingleItem();
    }
}

using Bunit;
using MudBlazor;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Tests.Components;

namespace Qtsp.Portal.Tests.Applicants;

/// <summary>The applicant grid asks the service for exactly one page, in the order and with the filter shown: nothing is paged in memory.</summary>
public sealed class ApplicantGridTests : PortalComponentTest
{
    private readonly List<ApplicantQuery> _asked = [];

    private Task<ApplicantSearchResult?> Search(ApplicantQuery query)
    {
        _asked.Add(query);
        var rows = Enumerable.Range(query.Skip, Math.Min(query.Take, 45 - query.Skip))
            .Select(i => new ApplicantRow(i, "Jana", $"Nováková{i:D2}", $"jana{i}@example.cz", $"E-{i}", i % 2 == 0, "Příklad s.r.o.", []))
            .ToArray();
        return Task.FromResult<ApplicantSearchResult?>(new ApplicantSearchResult(rows, 45));
    }

    private IRenderedComponent<ApplicantGrid> Grid()
    {
        Render<MudPopoverProvider>();
        return Render<ApplicantGrid>(p => p.Add(g => g.Search, Search));
    }

    [Fact]
    public void The_first_page_is_one_query_of_twenty_in_name_order_across_all_search_fields()
    {
        var grid = Grid();

        grid.WaitForAssertion(() => grid.FindAll("[data-testid=applicant-link]").Count.ShouldBe(20));
        _asked.ShouldNotBeEmpty();
        _asked[^1].ShouldBe(new ApplicantQuery(null, ApplicantSearchField.All, null, ApplicantSort.Name, false, 0, 20));
    }

    [Fact]
    public async Task Searching_sorting_and_paging_are_passed_to_the_service()
    {
        var grid = Grid();
        grid.WaitForAssertion(() => grid.FindAll("[data-testid=applicant-link]").Count.ShouldBe(20));

        grid.Find("input[data-testid=search-text]").Change("SM-01");
        grid.Find("[data-testid=applicant-search]").Submit();
        grid.WaitForAssertion(() => _asked[^1].Search.ShouldBe("SM-01"));
        _asked[^1].SearchBy.ShouldBe(ApplicantSearchField.All);

        var data = grid.FindComponent<MudDataGrid<ApplicantRow>>();
        await grid.InvokeAsync(() => data.Instance.SetSortAsync(nameof(ApplicantRow.Email), MudBlazor.SortDirection.Descending, r => r.Email));
        grid.WaitForAssertion(() => _asked[^1].Sort.ShouldBe(ApplicantSort.Email));
        _asked[^1].Descending.ShouldBeTrue();
        _asked[^1].Search.ShouldBe("SM-01");

        await grid.InvokeAsync(() => data.Instance.NavigateTo(Page.Next));
        grid.WaitForAssertion(() => _asked[^1].Skip.ShouldBe(20));
        _asked[^1].Take.ShouldBe(20);
        _asked[^1].Sort.ShouldBe(ApplicantSort.Email);
    }

    [Fact]
    public void The_grid_state_maps_to_the_query()
    {
        var state = new GridState<ApplicantRow>
        {
            Page = 2,
            PageSize = 20,
            SortDefinitions = [new SortDefinition<ApplicantRow>(nameof(ApplicantRow.EmployeeNumber), true, 0, r => r.EmployeeNumber!)],
        };

        var query = ApplicantGrid.Query(state, "novák", ApplicantSearchField.Name, true);

        query.ShouldBe(new ApplicantQuery("novák", ApplicantSearchField.Name, true, ApplicantSort.EmployeeNumber, true, 40, 20));
    }
}

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
    public void The_page_re_rendering_with_the_same_search_leaves_the_rows_as_they_are()
    {
        var grid = Grid();
        grid.WaitForAssertion(() => grid.FindAll("[data-testid=applicant-link]").Count.ShouldBe(20));
        var renders = grid.RenderCount;

        grid.Render(p => p.Add(g => g.Search, Search)); // a new delegate for the same method, as the page's re-render makes

        grid.RenderCount.ShouldBe(renders);
        grid.Find("[data-testid=sort-Email]").Click();
        grid.WaitForAssertion(() => grid.RenderCount.ShouldBeGreaterThan(renders, "the grid's own changes still show"));
        grid.WaitForAssertion(() => grid.Find("th[aria-sort=ascending]").TextContent.ShouldContain("E-mail"));
    }

    [Fact]
    public void A_re_render_of_the_page_while_the_first_page_loads_still_shows_its_rows()
    {
        var answer = new TaskCompletionSource<ApplicantSearchResult?>();
        Task<ApplicantSearchResult?> SlowSearch(ApplicantQuery query) => answer.Task;
        Render<MudPopoverProvider>();
        var grid = Render<ApplicantGrid>(p => p.Add(g => g.Search, SlowSearch));

        grid.Render(p => p.Add(g => g.Search, SlowSearch)); // the page renders again before the answer is there
        grid.InvokeAsync(() => answer.SetResult(Search(new ApplicantQuery(null, ApplicantSearchField.All, null, ApplicantSort.Name, false, 0, 20)).Result));

        grid.WaitForAssertion(() => grid.FindAll("[data-testid=applicant-link]").Count.ShouldBe(20));
    }

    [Fact]
    public void Searching_sorting_and_paging_are_passed_to_the_service()
    {
        var grid = Grid();
        grid.WaitForAssertion(() => grid.FindAll("[data-testid=applicant-link]").Count.ShouldBe(20));
        grid.Find("[data-testid=applicant-pager-info]").TextContent.Trim().ShouldBe("1–20 z 45");
        grid.Find("[data-testid=applicant-pager-previous]").HasAttribute("disabled").ShouldBeTrue();

        grid.Find("input[data-testid=search-text]").Change("SM-01");
        grid.Find("[data-testid=applicant-search]").Submit();
        grid.WaitForAssertion(() => _asked[^1].Search.ShouldBe("SM-01"));
        _asked[^1].SearchBy.ShouldBe(ApplicantSearchField.All);

        grid.Find("[data-testid=sort-Email]").Click();
        grid.WaitForAssertion(() => _asked[^1].Sort.ShouldBe(ApplicantSort.Email));
        _asked[^1].Descending.ShouldBeFalse();
        grid.Find("[data-testid=sort-Email]").Click();
        grid.WaitForAssertion(() => _asked[^1].Descending.ShouldBeTrue());
        _asked[^1].Search.ShouldBe("SM-01", "the order changes, the search stays");
        grid.Find("th[aria-sort=descending]").TextContent.ShouldContain("E-mail");

        grid.Find("[data-testid=applicant-pager-next]").Click();
        grid.WaitForAssertion(() => _asked[^1].Skip.ShouldBe(20));
        _asked[^1].Take.ShouldBe(20);
        _asked[^1].Sort.ShouldBe(ApplicantSort.Email);
        grid.WaitForAssertion(() => grid.Find("[data-testid=applicant-pager-info]").TextContent.Trim().ShouldBe("21–40 z 45"));

        grid.Find("[data-testid=applicant-pager-next]").Click();
        grid.WaitForAssertion(() => grid.Find("[data-testid=applicant-pager-info]").TextContent.Trim().ShouldBe("41–45 z 45"));
        grid.Find("[data-testid=applicant-pager-next]").HasAttribute("disabled").ShouldBeTrue("there is no page after the last");
        grid.FindAll("[data-testid=applicant-link]").Count.ShouldBe(5);
        grid.Find("[data-testid=applicant-pager-last]").HasAttribute("disabled").ShouldBeTrue();
        grid.Find("[data-testid=applicant-pager-first]").Click();
        grid.WaitForAssertion(() => _asked[^1].Skip.ShouldBe(0));
        grid.Find("[data-testid=applicant-pager-last]").Click();
        grid.WaitForAssertion(() => _asked[^1].Skip.ShouldBe(40));

        // A new search starts at its first page, with what the lists say.
        grid.Find("select[data-testid=search-by]").Change(nameof(ApplicantSearchField.DeviceSerial));
        grid.Find("select[data-testid=search-status]").Change("Blocked");
        grid.Find("[data-testid=applicant-search]").Submit();
        grid.WaitForAssertion(() => _asked[^1].Skip.ShouldBe(0));
        _asked[^1].SearchBy.ShouldBe(ApplicantSearchField.DeviceSerial);
        _asked[^1].Blocked.ShouldBe(true);
        grid.Find("select[data-testid=search-status]").Change("Active");
        grid.Find("[data-testid=applicant-search]").Submit();
        grid.WaitForAssertion(() => _asked[^1].Blocked.ShouldBe(false));
    }

    [Fact]
    public void A_slow_answer_to_an_earlier_request_does_not_replace_the_answer_to_a_later_one()
    {
        var answers = new List<TaskCompletionSource<ApplicantSearchResult?>>();
        Render<MudPopoverProvider>();
        var grid = Render<ApplicantGrid>(p => p.Add(g => g.Search, _ =>
        {
            var answer = new TaskCompletionSource<ApplicantSearchResult?>();
            answers.Add(answer);
            return answer.Task;
        }));
        answers.Count.ShouldBe(1);
        grid.Find("[data-testid=sort-Email]").Click();
        answers.Count.ShouldBe(2);

        ApplicantSearchResult Page(string surname) => new([new ApplicantRow(1, "Jana", surname, "j@example.cz", "E-1", false, null, [])], 1);
        grid.InvokeAsync(() => answers[1].SetResult(Page("Nová")));
        grid.WaitForAssertion(() => grid.Find("[data-testid=applicant-link]").TextContent.ShouldContain("Nová"));
        grid.InvokeAsync(() => answers[0].SetResult(Page("Stará")));

        grid.Find("[data-testid=applicant-link]").TextContent.ShouldContain("Nová");
        grid.Find("th[aria-sort=ascending]").TextContent.ShouldContain("E-mail");
    }
}

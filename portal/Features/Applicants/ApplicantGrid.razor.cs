using Microsoft.AspNetCore.Components;

namespace Qtsp.Portal.Features.Applicants;

public sealed partial class ApplicantGrid
{
    public const int PageSize = 20;

    private string? _search;
    private ApplicantSearchField _searchBy = ApplicantSearchField.All;
    private StatusChoice _status = StatusChoice.All;

    // What the table shows: the form's values as they were when the search was submitted, the order and the page.
    private ApplicantQuery _shown = new(Take: PageSize);
    private IReadOnlyList<ApplicantRow> _rows = [];
    private int _total;
    private bool _loading = true;
    private int _requests;
    private bool _parametersSet;

    private enum StatusChoice
    {
        All,
        Active,
        Blocked,
    }

    /// <summary>Asks for one page (the page passes the service's search, with its handling of refusals and outages).</summary>
    [Parameter, EditorRequired]
    public Func<ApplicantQuery, Task<ApplicantSearchResult?>> Search { get; set; } = default!;

    private ApplicantSort ShownSort => _shown.Sort;

    private bool ShownDescending => _shown.Descending;

    private int ShownPage => _shown.Skip / PageSize;

    private int LastPage => Math.Max(0, (_total - 1) / PageSize);

    protected override Task OnInitializedAsync() => LoadAsync(_shown);

    /// <summary>
    /// The page re-renders the grid with a new delegate for the same search: nothing to take over and nothing to show
    /// anew. Rendering the 20 rows again would fill the render tree's second buffer as well, which an open list then
    /// keeps (~30 KB per tab). Ignored before anything else, so a load under way still shows its rows when it ends.
    /// </summary>
    public override Task SetParametersAsync(ParameterView parameters) =>
        _parametersSet && parameters.TryGetValue<Func<ApplicantQuery, Task<ApplicantSearchResult?>>>(nameof(Search), out var search) && search.Equals(Search)
            ? Task.CompletedTask
            : TakeParametersAsync(parameters);

    private Task TakeParametersAsync(ParameterView parameters)
    {
        _parametersSet = true;
        return base.SetParametersAsync(parameters);
    }

    private Task SearchAsync() => LoadAsync(_shown with
    {
        Search = _search,
        SearchBy = _searchBy,
        Blocked = _status switch { StatusChoice.Active => false, StatusChoice.Blocked => true, _ => null },
        Skip = 0,
    });

    /// <summary>A click on a column's header: by that column, ascending; again: descending. The first page of the new order.</summary>
    private Task SortByAsync(ApplicantSort column) =>
        LoadAsync(_shown with { Sort = column, Descending = _shown.Sort == column && !_shown.Descending, Skip = 0 });

    private Task GoToAsync(int page) => LoadAsync(_shown with { Skip = Math.Max(0, page) * PageSize });

    private async Task LoadAsync(ApplicantQuery query)
    {
        // Only the newest request's answer is shown: a slower earlier one must not overwrite it.
        var request = ++_requests;
        _loading = true;
        var result = await Search(query);
        if (request != _requests)
        {
            return;
        }

        _shown = query;
        _rows = result?.Items ?? [];
        _total = result?.Total ?? 0;
        _loading = false;
    }
}

using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Qtsp.Portal.Features.Applicants;

public sealed partial class ApplicantGrid
{
    public const int PageSize = 20;

    private MudDataGrid<ApplicantRow>? _grid;
    private string? _search;
    private ApplicantSearchField _searchBy = ApplicantSearchField.All;
    private bool? _blocked;

    /// <summary>Asks for one page (the page passes the service's search, with its handling of refusals and outages).</summary>
    [Parameter, EditorRequired]
    public Func<ApplicantQuery, Task<ApplicantSearchResult?>> Search { get; set; } = default!;

    private async Task SearchAsync()
    {
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    private async Task<GridData<ApplicantRow>> ServerDataAsync(GridState<ApplicantRow> state, CancellationToken cancellationToken)
    {
        var result = await Search(Query(state, _search, _searchBy, _blocked));
        return new GridData<ApplicantRow> { Items = result?.Items ?? [], TotalItems = result?.Total ?? 0 };
    }

    /// <summary>The grid's page, order and the search form as the service's query.</summary>
    public static ApplicantQuery Query(GridState<ApplicantRow> state, string? search, ApplicantSearchField searchBy, bool? blocked)
    {
        ArgumentNullException.ThrowIfNull(state);
        var sort = state.SortDefinitions.OrderBy(s => s.Index).FirstOrDefault();
        return new ApplicantQuery(
            Search: search,
            SearchBy: searchBy,
            Blocked: blocked,
            Sort: sort?.SortBy switch
            {
                nameof(ApplicantRow.EmployeeNumber) => ApplicantSort.EmployeeNumber,
                nameof(ApplicantRow.Email) => ApplicantSort.Email,
                _ => ApplicantSort.Name,
            },
            Descending: sort?.Descending ?? false,
            Skip: state.Page * state.PageSize,
            Take: state.PageSize);
    }
}

using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Support;

public sealed partial class SupportPage
{
    private Actor? _actor;
    private string? _term;
    private IReadOnlyList<CustomerAccount>? _results;
    private CustomerAccount? _chosen;
    private string? _reason;
    private IReadOnlyList<FieldError> _errors = [];
    private string? _startMessage;
    private IReadOnlyList<SupportSession> _recent = [];

    [Inject]
    private SupportService Support { get; set; } = default!;

    [Inject]
    private CurrentActor Current { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private PortalTime Time { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? Ended { get; set; }

    private static DateTimeOffset Utc(DateTime value) => new(value, TimeSpan.Zero);

    protected override async Task OnInitializedAsync()
    {
        _actor = await LoadAsync(Current.GetAsync);
        if (_actor is { IsSupportStaff: true })
        {
            _recent = await LoadAsync(() => Support.RecentSessionsAsync()) ?? [];
        }
    }

    private async Task SearchAsync()
    {
        _chosen = null;
        _results = await LoadAsync(() => Support.SearchAsync(_term));
    }

    private void Choose(CustomerAccount customer)
    {
        _chosen = customer;
        _reason = null;
        _errors = [];
        _startMessage = null;
    }

    private async Task StartAsync()
    {
        if (_chosen is null)
        {
            return;
        }

        var outcome = await RunAsync(() => Support.StartAsync(_chosen.UserId, _reason));
        if (outcome is null)
        {
            _startMessage = PageErrorKey is null ? null : L[PageErrorKey].Value;
            return;
        }

        _errors = outcome.Errors;
        _startMessage = outcome.MessageKey is null ? null : L[outcome.MessageKey].Value;
        if (outcome.Succeeded)
        {
            // A full load: the layout, menu and every service now see the customer's account.
            Navigation.NavigateTo("", forceLoad: true);
        }
    }
}

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Bindings;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Applicants;

public sealed partial class ApplicantPage
{
    private ApplicantDetail? _detail;
    private IReadOnlyList<AuditEvent> _trail = [];
    private Actor? _actor;
    private bool _blocking;
    private string? _blockReason;
    private string? _elevationCode;
    private IReadOnlyList<FieldError> _errors = [];
    private string? _message;

    [Inject]
    private ApplicantService Applicants { get; set; } = default!;

    [Inject]
    private BindingService BindingsService { get; set; } = default!;

    [Inject]
    private PendingEmails Emails { get; set; } = default!;

    [Inject]
    private CurrentActor Current { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Parameter]
    public long Id { get; set; }

    protected override Task OnParametersSetAsync() => ReloadAsync();

    private async Task ReloadAsync()
    {
        _actor = await LoadAsync(Current.GetAsync);
        _detail = await LoadAsync(() => Applicants.GetAsync(Id));
        _trail = _detail is null ? [] : await LoadAsync(() => Applicants.TrailAsync(Id)) ?? [];
    }

    private async Task BlockAsync() => await Show(await RunAsync(() => Applicants.BlockAsync(Id, _blockReason, _elevationCode)), "Applicants.BlockedDone", () => _blocking = false);

    private async Task UnblockAsync() => await Show(await RunAsync(() => Applicants.UnblockAsync(Id, _elevationCode)), "Applicants.UnblockedDone", () => { });

    private async Task ConfirmEmailAsync() => await Show(await RunAsync(() => Emails.ConfirmAsync(Id)), "Applicants.PendingEmailConfirmed", () => { });

    private async Task DiscardEmailAsync() => await Show(await RunAsync(() => Emails.DiscardAsync(Id)), "Applicants.PendingEmailDiscarded", () => { });

    private async Task<(Outcome? Outcome, string? Failure)> CancelBindingAsync(long bindingId, string? reason, string? elevationCode)
    {
        var outcome = await RunAsync(() => BindingsService.CancelAsync(bindingId, reason, elevationCode));
        var failure = outcome is null && PageErrorKey is not null ? L[PageErrorKey].Value : null;
        PageErrorKey = null;
        return (outcome, failure);
    }

    /// <summary>The table shows the cancellation already; the audit trail gets its new entry.</summary>
    private async Task BindingCancelledAsync(BindingCancelled cancelled) =>
        _trail = await LoadAsync(() => Applicants.TrailAsync(Id)) ?? _trail;

    private async Task Show(Outcome? outcome, string doneKey, Action close)
    {
        _elevationCode = null;
        if (outcome is null)
        {
            _message = PageErrorKey is null ? null : L[PageErrorKey].Value;
            PageErrorKey = null;
            return;
        }

        _errors = outcome.Errors;
        if (outcome.Succeeded)
        {
            close();
            _message = null;
            Snackbar.Add(L[doneKey], Severity.Success);
            await ReloadAsync();
        }
        else
        {
            _message = outcome.MessageKey is null ? null : L[outcome.MessageKey].Value;
        }
    }
}

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Applicants;

public sealed partial class CancelBindingDialog
{
    private string? _reason;
    private string? _elevationCode;
    private IReadOnlyList<FieldError> _errors = [];
    private string? _message;
    private bool _sending;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Parameter, EditorRequired]
    public long BindingId { get; set; }

    [Parameter, EditorRequired]
    public string Serial { get; set; } = "";

    [Parameter]
    public Actor? Actor { get; set; }

    /// <summary>Sends the cancellation (binding, reason, elevation code); null when the page could not run it (its message says why).</summary>
    [Parameter, EditorRequired]
    public Func<long, string?, string?, Task<(Outcome? Outcome, string? Failure)>> Cancel { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    private async Task ConfirmAsync()
    {
        _sending = true;
        try
        {
            var (outcome, failure) = await Cancel(BindingId, _reason, _elevationCode);
            _elevationCode = null;
            if (outcome is null)
            {
                _message = failure;
                return;
            }

            _errors = outcome.Errors;
            _message = outcome.MessageKey is null ? null : L[outcome.MessageKey].Value;
            if (outcome.Succeeded)
            {
                Dialog.Close(DialogResult.Ok(new BindingCancelled(BindingId, Time.GetUtcNow().UtcDateTime)));
            }
        }
        finally
        {
            _sending = false;
        }
    }
}

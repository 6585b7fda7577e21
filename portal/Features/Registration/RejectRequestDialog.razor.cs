using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Registration;

public sealed partial class RejectRequestDialog
{
    private string? _reason;
    private IReadOnlyList<FieldError> _errors = [];
    private string? _message;
    private bool _sending;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Parameter, EditorRequired]
    public string RequestNumber { get; set; } = "";

    /// <summary>Sends the rejection with the reason; a null outcome when the page could not run it (the failure says why).</summary>
    [Parameter, EditorRequired]
    public Func<string?, Task<(RejectionOutcome? Outcome, string? Failure)>> Reject { get; set; } = default!;

    private async Task ConfirmAsync()
    {
        _sending = true;
        try
        {
            var (outcome, failure) = await Reject(_reason);
            if (outcome is null)
            {
                _message = failure;
                return;
            }

            _errors = outcome.Errors;
            _message = outcome.Refusal is { } refusal and not RegistrationRefusal.Invalid ? L[$"Registration.Refusal.{refusal}"].Value : null;
            if (outcome.Rejected)
            {
                Dialog.Close(DialogResult.Ok(true));
            }
        }
        finally
        {
            _sending = false;
        }
    }
}

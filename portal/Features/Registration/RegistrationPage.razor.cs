using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Registration;

public sealed partial class RegistrationPage
{
    private string? _number;
    private string? _notFound;
    private RegistrationRequest? _request;
    private IdentityDocumentInput _input = new();
    private IReadOnlyList<FieldError> _errors = [];
    private string? _message;
    private string? _result;
    private string? _issuedSerial;
    private bool _sending;

    [Inject]
    private IdentityVerification Verification { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private PortalTime Time { get; set; } = default!;

    private bool HasError(string field) => _errors.Any(e => e.Field == field);

    private async Task FindAsync()
    {
        _notFound = null;
        _message = null;
        _result = null;
        _issuedSerial = null;
        _errors = [];
        _input = new IdentityDocumentInput();
        var number = IdentityVerification.NormalizeNumber(_number);
        _request = await LoadAsync(() => Verification.FindAsync(number));
        if (_request is null && PageErrorKey is null && !Refused)
        {
            _notFound = number;
        }
    }

    private async Task ApproveAsync()
    {
        if (_request is not { } request || _sending)
        {
            return;
        }

        _sending = true;
        try
        {
            _message = null;
            var outcome = await RunAsync(() => Verification.ApproveAsync(request.Id, request.ApplicantRevision, _input));
            if (outcome is null)
            {
                _message = PageErrorKey is null ? null : L[PageErrorKey].Value;
                PageErrorKey = null;
                return;
            }

            _errors = outcome.Errors;
            if (outcome.Issued is { } issued)
            {
                _issuedSerial = issued.SerialNumber;
                _result = L["Registration.Issued", issued.SerialNumber, request.Email].Value;
            }
            else
            {
                _message = Message(outcome);
            }

            // The card shows where the request stands now (verified, issued, or taken by someone else meanwhile).
            if (outcome.Refusal is not RegistrationRefusal.Invalid)
            {
                _request = await LoadAsync(() => Verification.FindAsync(request.RequestNumber)) ?? request;
            }
        }
        finally
        {
            _sending = false;
        }
    }

    private string Message(ApprovalOutcome outcome) => outcome switch
    {
        { Refusal: RegistrationRefusal.NotIssued, IssuanceRefusal: { } notIssued } =>
            L["Registration.NotIssued", L[$"Issuance.Refusal.{notIssued}", outcome.CaReason?.ToString() ?? ""].Value].Value,
        { Refusal: { } refusal } => L[$"Registration.Refusal.{refusal}"].Value,
        _ => L["Registration.Refusal.NotIssued"].Value,
    };

    private async Task RejectAsync()
    {
        if (_request is not { } request)
        {
            return;
        }

        var parameters = new DialogParameters<RejectRequestDialog>
        {
            { d => d.RequestNumber, request.RequestNumber },
            { d => d.Reject, reason => SendRejectionAsync(request.Id, reason) },
        };
        var dialog = await Dialogs.ShowAsync<RejectRequestDialog>(L["Registration.RejectTitle", request.RequestNumber], parameters);
        var closed = await dialog.Result;
        if (closed is null || closed.Canceled)
        {
            return;
        }

        _message = null;
        _errors = [];
        _result = L["Registration.Rejected", request.RequestNumber, request.Email].Value;
        _request = await LoadAsync(() => Verification.FindAsync(request.RequestNumber)) ?? request;
    }

    /// <summary>Runs the rejection for the dialog: its outcome, or the page's failure message when it could not run.</summary>
    private async Task<(RejectionOutcome? Outcome, string? Failure)> SendRejectionAsync(long requestId, string? reason)
    {
        var outcome = await RunAsync(() => Verification.RejectAsync(requestId, reason));
        if (outcome is null)
        {
            var failure = PageErrorKey is null ? null : L[PageErrorKey].Value;
            PageErrorKey = null;
            return (null, failure);
        }

        return (outcome, null);
    }
}

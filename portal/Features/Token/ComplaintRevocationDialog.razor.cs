using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Token;

/// <summary>What the holder decided about the certificates on a device before its complaint wipe.</summary>
public sealed record ComplaintRevocationAnswer(bool Revoked);

public sealed partial class ComplaintRevocationDialog
{
    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject]
    private RevocationService Revocation { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<RevocableCertificate> Certificates { get; set; } = [];

    [Parameter, EditorRequired]
    public string DeviceSerial { get; set; } = "";

    [Parameter]
    public RevocationConfirmation Confirmation { get; set; }

    [Parameter]
    public Actor? Actor { get; set; }

    private IReadOnlyList<FieldError> _errors = [];
    private string? _message;
    private bool _busy;

    private async Task RevokeAsync(RevocationInput input)
    {
        _busy = true;
        try
        {
            var outcome = await Revocation.RevokeAsync(Certificates.Select(c => c.Id).ToList(), input);
            _errors = outcome.Errors;
            _message = outcome.MessageKey is null ? null : L[outcome.MessageKey].Value;
            if (outcome.Succeeded)
            {
                Dialog.Answer(new ComplaintRevocationAnswer(Revoked: true));
            }
        }
        catch (PortalException exception)
        {
            _message = L[exception.MessageKey].Value;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task DeclineAsync()
    {
        await Revocation.DeclineAsync(DeviceSerial, Certificates);
        Dialog.Answer(new ComplaintRevocationAnswer(Revoked: false));
    }
}

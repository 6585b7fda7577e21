using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Revocation;

/// <summary>What was decided about the certificates offered: revoked, or (where the dialog offers it) kept on purpose.</summary>
public sealed record CertificatesRevocationAnswer(bool Revoked);

public sealed partial class RevokeCertificatesDialog
{
    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject]
    private RevocationService Revocation { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<RevocableCertificate> Certificates { get; set; } = [];

    /// <summary>Why these certificates are offered, in the page's words.</summary>
    [Parameter, EditorRequired]
    public string Intro { get; set; } = "";

    [Parameter]
    public RevocationConfirmation Confirmation { get; set; }

    [Parameter]
    public Actor? Actor { get; set; }

    [Parameter]
    public RevocationReason InitialReason { get; set; } = RevocationReason.CessationOfOperation;

    [Parameter]
    public string? ConfirmText { get; set; }

    /// <summary>When set, the user may keep the certificates: <see cref="Declined"/> records that.</summary>
    [Parameter]
    public string? DeclineText { get; set; }

    [Parameter]
    public EventCallback Declined { get; set; }

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
                Dialog.Answer(new CertificatesRevocationAnswer(Revoked: true));
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
        await Declined.InvokeAsync();
        Dialog.Answer(new CertificatesRevocationAnswer(Revoked: false));
    }
}

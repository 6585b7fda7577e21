using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Applicants;

public sealed partial class BindingTable
{
    private IReadOnlyList<BindingSummary> _devices = [];
    private IReadOnlyList<BindingSummary>? _given;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private RevocationService Revocation { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyList<BindingSummary> Devices { get; set; } = [];

    [Parameter]
    public bool CanManage { get; set; }

    [Parameter]
    public Actor? Actor { get; set; }

    /// <summary>Runs the cancellation (see <see cref="CancelBindingDialog.Cancel"/>).</summary>
    [Parameter, EditorRequired]
    public Func<long, string?, string?, Task<(Outcome? Outcome, string? Failure)>> Cancel { get; set; } = default!;

    /// <summary>A binding was cancelled (the row already shows it).</summary>
    [Parameter]
    public EventCallback<BindingCancelled> Cancelled { get; set; }

    private static DateTimeOffset Utc(DateTime value) => new(value, TimeSpan.Zero);

    protected override void OnParametersSet()
    {
        // A new list from the page (a reload) replaces what this table knows; the same list again must not undo a cancellation.
        if (!ReferenceEquals(Devices, _given))
        {
            _given = Devices;
            _devices = Devices;
        }
    }

    private async Task CancelAsync(BindingSummary binding)
    {
        var parameters = new DialogParameters<CancelBindingDialog>
        {
            { d => d.BindingId, binding.BindingId },
            { d => d.Serial, binding.Serial },
            { d => d.Actor, Actor },
            { d => d.Cancel, Cancel },
        };
        var dialog = await Dialogs.ShowAsync<CancelBindingDialog>(L["Bindings.CancelTitle", binding.Serial], parameters);
        if (await dialog.GetReturnValueAsync<BindingCancelled>() is not { } done)
        {
            return;
        }

        // The row changes now, not at the next load: the page must not go on offering a binding that is gone.
        _devices = _devices.Select(d => d.BindingId == done.BindingId ? d with { CancelledAtUtc = done.CancelledAtUtc, CancelledBy = Actor?.AuditActor } : d).ToArray();
        Snackbar.Add(L["Bindings.Cancelled"], Severity.Success);
        await Cancelled.InvokeAsync(done);
    }

    /// <summary>The holder's valid certificates on the device are offered for revocation here; once they are revoked, the cancellation is offered.</summary>
    private async Task RevokeFirstAsync(BindingSummary binding)
    {
        var certificates = await Revocation.RevocableOnBindingAsync(binding.BindingId);
        if (certificates.Count > 0)
        {
            var answer = await Dialogs.AskAsync<RevokeCertificatesDialog, CertificatesRevocationAnswer>(
                L["Bindings.RevokeFirstTitle", binding.Serial],
                new DialogParameters<RevokeCertificatesDialog>
                {
                    { d => d.Certificates, certificates },
                    { d => d.Intro, L["Bindings.RevokeFirstIntro", binding.Serial].Value },
                    { d => d.Confirmation, Actor is null ? RevocationConfirmation.AuthenticatorCode : await Revocation.ConfirmationForAsync(Actor) },
                    { d => d.Actor, Actor },
                    { d => d.InitialReason, Data.RevocationReason.AffiliationChanged },
                },
                TokenDialogAnswers.Width(MaxWidth.Small));
            if (answer?.Revoked != true)
            {
                return;
            }
        }

        _devices = _devices.Select(d => d.BindingId == binding.BindingId ? d with { ValidCertificates = 0 } : d).ToArray();
    }
}

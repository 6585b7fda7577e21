using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Bindings;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Token;

/// <summary>The holder's binding to the device was cancelled (and the listed certificates revoked).</summary>
public sealed record BindingCancelledByHolder(string DeviceSerial, int CertificatesRevoked);

/// <summary>A key on an attached device that can sign the request: its certificate is on record with this CA and valid.</summary>
public sealed record SigningCandidate(DeviceSnapshot Device, AreaSnapshot Area, CertificateView Certificate);

public sealed partial class CancelBindingSignedDialog
{
    /// <summary>Reasons a holder gives; privilegeWithdrawn is the CA's own.</summary>
    private static readonly RevocationReason[] Reasons =
        [RevocationReason.CessationOfOperation, RevocationReason.AffiliationChanged, RevocationReason.Superseded, RevocationReason.KeyCompromise, RevocationReason.Unspecified];

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject]
    private SignedBindingCancellation Cancellation { get; set; } = default!;

    [Inject]
    private TokenCare Care { get; set; } = default!;

    [Parameter, EditorRequired]
    public string DeviceSerial { get; set; } = "";

    /// <summary>The holder's valid certificates on the device, revoked with the cancellation.</summary>
    private IReadOnlyList<RevocableCertificate> Certificates { get; set; } = [];

    /// <summary>The keys that can sign, best first.</summary>
    [Parameter, EditorRequired]
    public IReadOnlyList<SigningCandidate> Signers { get; set; } = [];

    private RevocationReason _revocationReason = RevocationReason.CessationOfOperation;
    private string? _reason;
    private int _signer;
    private BindingCancellationDraft? _draft;
    private IReadOnlyList<FieldError> _errors = [];
    private string? _message;
    private bool _busy;

    protected override async Task OnInitializedAsync() => Certificates = await Cancellation.CertificatesOnDeviceAsync(DeviceSerial);

    private async Task PrepareAsync()
    {
        _busy = true;
        try
        {
            var outcome = await Cancellation.PrepareAsync(DeviceSerial, _reason, _revocationReason);
            _errors = outcome.Errors;
            _message = outcome.MessageKey is null ? null : L[outcome.MessageKey].Value;
            _draft = outcome.Value;
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

    private async Task SignAsync()
    {
        if (_draft is not { } draft || _signer < 0 || _signer >= Signers.Count)
        {
            return;
        }

        _busy = true;
        _message = null;
        try
        {
            var signer = Signers[_signer];
            var signed = await Care.SignDocumentAsync(signer.Device, signer.Area, signer.Certificate.IdHex, draft.Document, DocumentSignature.BindingCancellation);
            if (signed.Value is not { } signature)
            {
                // TokenCare said what went wrong (wrong PIN, device removed, …); the request stays ready to sign again.
                return;
            }

            var outcome = await Cancellation.SubmitAsync(draft, signature);
            if (outcome.Succeeded)
            {
                Dialog.Answer(new BindingCancelledByHolder(draft.DeviceSerial, draft.Revoked.Count));
                return;
            }

            _message = L[outcome.MessageKey ?? SignedBindingCancellation.NotBound].Value;
            if (outcome.MessageKey is SignedBindingCancellation.Expired or SignedBindingCancellation.CertificatesChanged)
            {
                _draft = null; // prepare again: the text must say what is true now
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
}

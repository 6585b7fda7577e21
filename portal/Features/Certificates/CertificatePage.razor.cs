using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Certificates;

public sealed partial class CertificatePage
{
    [Parameter]
    public long Id { get; set; }

    private CertificateDetail? _detail;
    private Actor? _actor;
    private bool _revoking;
    private RevocationConfirmation _confirmation;
    private bool _busy;
    private IReadOnlyList<FieldError> _errors = [];
    private string? _message;
    private bool _ok;

    protected override async Task OnParametersSetAsync()
    {
        _actor = await LoadAsync(Current.GetAsync);
        _detail = await LoadAsync(() => Certificates.GetAsync(Id));
        if (_detail?.CanRevoke == true)
        {
            _confirmation = await LoadAsync(Revocation.ConfirmationAsync);
        }
    }

    private async Task RevokeAsync(RevocationInput input)
    {
        _busy = true;
        var outcome = await RunAsync(() => Revocation.RevokeAsync(Id, input));
        _busy = false;
        if (outcome is null)
        {
            _message = PageErrorKey is null ? null : L[PageErrorKey].Value;
            _ok = false;
            return;
        }

        _errors = outcome.Errors;
        _ok = outcome.Succeeded;
        _message = outcome.Succeeded ? L["Certificates.Revoked"] : outcome.MessageKey is null ? null : L[outcome.MessageKey].Value;
        if (outcome.Succeeded)
        {
            _revoking = false;
            _detail = await LoadAsync(() => Certificates.GetAsync(Id));
        }
    }
}

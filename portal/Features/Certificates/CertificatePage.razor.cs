using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Certificates;

public sealed partial class CertificatePage
{
    [Parameter]
    public long Id { get; set; }

    private CertificateDetail? _detail;
    private Actor? _actor;
    private bool _revoking;
    private RevocationReason _reason = RevocationReason.Unspecified;
    private string? _elevationCode;
    private IReadOnlyList<FieldError> _errors = [];
    private string? _message;
    private bool _ok;

    protected override async Task OnParametersSetAsync()
    {
        _actor = await LoadAsync(Current.GetAsync);
        _detail = await LoadAsync(() => Certificates.GetAsync(Id));
    }

    private async Task RevokeAsync()
    {
        var outcome = await RunAsync(() => Certificates.RevokeAsync(Id, _reason, _elevationCode));
        _elevationCode = null;
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

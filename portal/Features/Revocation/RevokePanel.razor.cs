using System.Globalization;
using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Revocation;

public sealed partial class RevokePanel
{
    [Inject]
    private PortalTime PortalTime { get; set; } = default!;

    [Parameter, EditorRequired]
    public RevocationConfirmation Confirmation { get; set; }

    /// <summary>The acting account (for the support session's elevation field).</summary>
    [Parameter]
    public Actor? Actor { get; set; }

    [Parameter]
    public IReadOnlyList<RevocationReason> Reasons { get; set; } = Enum.GetValues<RevocationReason>();

    [Parameter]
    public RevocationReason InitialReason { get; set; } = RevocationReason.Unspecified;

    /// <summary>The service's answer to the last try.</summary>
    [Parameter]
    public IReadOnlyList<FieldError> Errors { get; set; } = [];

    [Parameter]
    public bool Busy { get; set; }

    [Parameter]
    public string? ConfirmText { get; set; }

    [Parameter]
    public EventCallback<RevocationInput> OnConfirm { get; set; }

    /// <summary>Further buttons (cancel, decline) next to the confirm button.</summary>
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    private RevocationReason _reason;
    private string? _invalidity;
    private string? _confirmation;
    private IReadOnlyList<FieldError> _localErrors = [];

    private IReadOnlyList<FieldError> AllErrors => [.. _localErrors, .. Errors];

    protected override void OnInitialized() => _reason = InitialReason;

    private void ReasonChanged(RevocationReason reason)
    {
        _reason = reason;
        if (reason != RevocationReason.KeyCompromise)
        {
            _invalidity = null;
        }
    }

    private async Task ConfirmAsync()
    {
        DateTime? invalidity = null;
        _localErrors = [];
        if (_reason == RevocationReason.KeyCompromise && !string.IsNullOrWhiteSpace(_invalidity))
        {
            // What the browser's date-time field sends, read as the portal's (Prague) time.
            if (DateTime.TryParseExact(_invalidity.Trim(), ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            {
                invalidity = TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), PortalTime.Zone);
            }
            else
            {
                _localErrors = [new FieldError(RevocationService.InvalidityDateField, "Revocation.InvalidityDate.Invalid")];
                return;
            }
        }

        var confirmation = _confirmation;
        _confirmation = null; // a code is used once, a password is not kept on the page
        await OnConfirm.InvokeAsync(new RevocationInput(_reason, invalidity, confirmation));
    }
}

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Requests;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Token;

public sealed partial class AreaActions
{
    [Inject]
    private TokenCare Care { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private CurrentActor Actors { get; set; } = default!;

    [Parameter, EditorRequired]
    public DeviceSnapshot Device { get; set; } = default!;

    [Parameter, EditorRequired]
    public AreaSnapshot Area { get; set; } = default!;

    /// <summary>The keys that wait for a certificate (given by the token page).</summary>
    [Parameter]
    public PendingKeys? Pending { get; set; }

    /// <summary>
    /// A blocked secret the new key would need: the area's own PIN, and for the qualified area also the standard PIN,
    /// which opens the service key that attests the request. The device would only refuse it after the form.
    /// </summary>
    private PinStatus? RequestBlockedBy =>
        Area.UserPin.State == PinState.Locked ? Area.UserPin
        : Device.Areas.FirstOrDefault(a => a.Kind == AreaKind.Standard) is { UserPin.State: PinState.Locked } standard ? standard.UserPin
        : null;

    private string RequestBlockedText => RequestBlockedBy is { } pin ? L["TokenCare.Request.PinLocked", Care.Name(pin.Kind)] : "";

    private async Task NewRequestAsync()
    {
        var holder = await Actors.GetAsync();
        var request = await Dialogs.AskAsync<NewRequestDialog, NewRequestForm>(
            L["TokenCare.Request.Title"],
            new DialogParameters<NewRequestDialog>
            {
                { d => d.Device, Device },
                { d => d.Area, Area },
                { d => d.HolderName, holder?.DisplayName },
            },
            TokenDialogAnswers.Width(MaxWidth.Small));
        if (request is null)
        {
            return;
        }

        var (result, nonce, issuedAt) = await Care.CreateRequestAsync(Device, Area, request.Algorithm, request.CommonName, request.Email, request.Country);
        if (result.Value is { } created)
        {
            await Dialogs.ShowAsync<RequestResultDialog>(
                L["TokenCare.RequestResult.Title"],
                new DialogParameters<RequestResultDialog> { { d => d.Request, new DeviceRequest(created, nonce, issuedAt, Area.Kind, PreparedRequestId: request.PreparedRequestId, RevocationPassword: request.RevocationPassword) } },
                TokenDialogAnswers.Width(MaxWidth.Small));
        }
    }

    private async Task InstallAsync()
    {
        var certificate = await Dialogs.AskAsync<InstallCertificateDialog, byte[]>(
            L["TokenCare.Install.Title"], new DialogParameters<InstallCertificateDialog>(), TokenDialogAnswers.Width(MaxWidth.Small));
        if (certificate is not null)
        {
            await Care.InstallAsync(Device, Area, certificate);
        }
    }

    private Task<IDialogReference> CleanupAsync() => Dialogs.ShowAsync<CleanupDialog>(
        L["TokenCare.Cleanup.Title"],
        new DialogParameters<CleanupDialog> { { d => d.Device, Device }, { d => d.Area, Area }, { d => d.Pending, Pending ?? PendingKeys.None } },
        TokenDialogAnswers.Width(MaxWidth.Medium));
}

using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Features.Token;

public sealed partial class DeviceCard
{
    [Inject]
    private TokenCare Care { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    [Inject]
    private PortalTime Time { get; set; } = default!;

    [Inject]
    private DeviceCertificates Registry { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    [Inject]
    private RevocationService Revocation { get; set; } = default!;

    [Inject]
    private CurrentActor Actors { get; set; } = default!;

    [Inject]
    private AgentBridge.AgentBridge Bridge { get; set; } = default!;

    [Parameter, EditorRequired]
    public DeviceSnapshot Device { get; set; } = default!;

    /// <summary>What the CA's registry says about the attached devices (given by the token page).</summary>
    [Parameter]
    public DeviceRegistryView? RegistryView { get; set; }

    /// <summary>The keys that wait for a certificate (given by the token page).</summary>
    [Parameter]
    public Requests.PendingKeys? Pending { get; set; }

    /// <summary>The certificate a reminder's renewal link chose (given by the token page).</summary>
    [Parameter]
    public RenewalChoice? RenewalChoice { get; set; }

    /// <summary>Asks the token page to read the registry again.</summary>
    [Parameter]
    public EventCallback RegistryChanged { get; set; }

    private bool _accepting;
    private bool _replugAdvice;

    private IReadOnlyList<IssuedForDevice> Issued => RegistryView?.IssuedFor(Device.SerialNumber) ?? [];

    /// <summary>Twins: the commercial certificate goes onto the device after the qualified one (the old tools' error 621 otherwise).</summary>
    private bool WaitsForQualified(IssuedForDevice issued) =>
        issued.Type == Data.CertificateType.Commercial && Issued.Any(i => i.Type != Data.CertificateType.Commercial);

    /// <summary>"Check issued certificates": the registry is read again, and an empty answer said out loud.</summary>
    private async Task CheckIssuedAsync()
    {
        // Asked of the registry here: the page's view reaches this card only after the next render.
        var fresh = await Registry.ForDevicesAsync([Device]);
        await RegistryChanged.InvokeAsync();
        if (fresh.IssuedFor(Device.SerialNumber).Count == 0)
        {
            Snackbar.Add(L["Issued.None"], Severity.Info);
        }
    }

    /// <summary>
    /// Accepting is recorded first (the holder read the protocol); then the certificate goes next to its key through the
    /// agent. An install that does not happen (dialog closed, wrong PIN) leaves it accepted and offered again as "Install".
    /// </summary>
    private async Task AcceptAsync(IssuedForDevice issued)
    {
        _accepting = true;
        try
        {
            var outcome = await Registry.AcceptAsync(issued.Id);
            if (outcome.Accepted is not { } accepted)
            {
                Snackbar.Add(L[$"Issued.Refusal.{outcome.Refusal}"], Severity.Error);
                await RegistryChanged.InvokeAsync();
                return;
            }

            var areaKind = accepted.Type == Data.CertificateType.Commercial ? AreaKind.Standard : AreaKind.Qualified;
            var area = Device.Areas.FirstOrDefault(a => a.Kind == areaKind) ?? Device.Areas[0];
            var installed = await Care.InstallAsync(Device, area, accepted.Der);
            _replugAdvice = installed.IsSuccess;
            await RegistryChanged.InvokeAsync();
        }
        finally
        {
            _accepting = false;
        }
    }

    private DeviceModel Model => DeviceModelCatalogue.ById(Device.ModelId);

    /// <summary>A device without any certificate is probably new: its secrets may still hold the factory values.</summary>
    private bool LooksNew => Device.Areas.All(a => a.Certificates.Count == 0);

    /// <summary>When a secret is blocked, what the manufacturer says is at stake (e.g. no more qualified use).</summary>
    private string? BlockedConsequence =>
        Device.Areas.Any(a => a.UserPin.State == PinState.Locked || a.SoPin.State == PinState.Locked) && Model.BlockingConsequence is not null
            ? L[$"TokenCare.Blocking.{Model.Id}"].Value
            : null;

    private Task<IDialogReference> RenameAsync() => Dialogs.ShowAsync<RenameDialog>(
        L["TokenCare.Rename.Title"],
        new DialogParameters<RenameDialog> { { d => d.Device, Device } },
        TokenDialogAnswers.Width(MaxWidth.Small));

    private async Task ComplaintAsync()
    {
        var proceed = await Dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = L["TokenCare.Complaint.Title"],
            Message = L["TokenCare.Complaint.Intro"],
            YesText = L["TokenCare.Submit.Continue"],
            CancelText = L["TokenCare.Dialog.Cancel"],
        });
        if (proceed != true || !await OfferRevocationAsync())
        {
            return;
        }

        var result = await Care.PrepareComplaintAsync(Device);
        if (result.Value is { } prepared)
        {
            Navigation.NavigateTo(ComplaintFormPage.Url(prepared, Clock.GetUtcNow()));
        }
    }

    /// <summary>
    /// The valid certificates on the device the CA has on record for this holder are offered for revocation before the
    /// wipe; true when the wipe may go on (revoked, declined explicitly, or nothing to revoke).
    /// </summary>
    private async Task<bool> OfferRevocationAsync()
    {
        var registry = await Registry.ForDevicesAsync([Device]);
        var onRecord = Device.Areas.SelectMany(a => a.Certificates)
            .Where(c => registry.StatusOf(c) == RegistryStatus.Known)
            .Select(c => registry.RecordOf(c))
            .OfType<long>().Distinct().ToList();
        if (onRecord.Count == 0)
        {
            return true;
        }

        var actor = await Actors.RequireAsync();
        var revocable = await Revocation.RevocableAsync(onRecord);
        if (revocable.Count == 0)
        {
            return true;
        }

        var answer = await Dialogs.AskAsync<RevokeCertificatesDialog, CertificatesRevocationAnswer>(
            L["Revocation.Complaint.Title"],
            new DialogParameters<RevokeCertificatesDialog>
            {
                { d => d.Certificates, revocable },
                { d => d.Intro, L["Revocation.Complaint.Intro"].Value },
                { d => d.Confirmation, await Revocation.ConfirmationForAsync(actor) },
                { d => d.Actor, actor },
                { d => d.ConfirmText, L["Revocation.Complaint.Revoke"].Value },
                { d => d.DeclineText, L["Revocation.Complaint.Decline"].Value },
                { d => d.Declined, EventCallback.Factory.Create(this, () => Revocation.DeclineAsync(Device.SerialNumber, revocable)) },
            },
            TokenDialogAnswers.Width(MaxWidth.Small));
        if (answer?.Revoked == true)
        {
            await RegistryChanged.InvokeAsync();
        }

        return answer is not null;
    }

    /// <summary>
    /// The holder cancels their binding to this device with a request signed on a token: the certificates of theirs on the
    /// device are revoked with it. Any of their valid certificates on the attached devices may sign, this device's qualified first.
    /// </summary>
    private async Task CancelBindingAsync()
    {
        var registry = await Registry.ForDevicesAsync(Bridge.Devices);
        var now = Clock.GetUtcNow();
        var signers = Bridge.Devices
            .SelectMany(d => d.Areas.SelectMany(a => a.Certificates.Select(c => new SigningCandidate(d, a, c))))
            .Where(s => s.Certificate.HasPrivateKey && s.Certificate.NotBefore <= now && now < s.Certificate.NotAfter && registry.StatusOf(s.Certificate) == RegistryStatus.Known)
            .OrderBy(s => s.Device.DeviceId == Device.DeviceId ? 0 : 1)
            .ThenBy(s => s.Certificate.IsQualified ? 0 : 1)
            .ToList();
        var answer = await Dialogs.AskAsync<CancelBindingSignedDialog, BindingCancelledByHolder>(
            L["Bindings.Signed.Title", Device.SerialNumber],
            new DialogParameters<CancelBindingSignedDialog>
            {
                { d => d.DeviceSerial, Device.SerialNumber },
                { d => d.Signers, signers },
            },
            TokenDialogAnswers.Width(MaxWidth.Medium));
        if (answer is not null)
        {
            Snackbar.Add(L["Bindings.Signed.Done", answer.DeviceSerial, answer.CertificatesRevoked], Severity.Success);
            await RegistryChanged.InvokeAsync();
        }
    }
}

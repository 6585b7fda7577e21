using Microsoft.AspNetCore.Components;
using MudBlazor;
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
    private TimeProvider Time { get; set; } = default!;

    [Parameter, EditorRequired]
    public DeviceSnapshot Device { get; set; } = default!;

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
        if (proceed != true)
        {
            return;
        }

        var result = await Care.PrepareComplaintAsync(Device);
        if (result.Value is { } prepared)
        {
            Navigation.NavigateTo(ComplaintFormPage.Url(prepared, Time.GetUtcNow()));
        }
    }
}

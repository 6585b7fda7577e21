using Microsoft.AspNetCore.Components;
using MudBlazor;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Features.Token;

public sealed partial class NewRequestDialog
{
    private MudForm _form = default!;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = default!;

    [Inject]
    private TokenCare Care { get; set; } = default!;

    [Parameter, EditorRequired]
    public DeviceSnapshot Device { get; set; } = default!;

    [Parameter, EditorRequired]
    public AreaSnapshot Area { get; set; } = default!;

    /// <summary>The signed-in holder's name: the request is normally for themselves.</summary>
    [Parameter]
    public string? HolderName { get; set; }

    private NewRequestForm Form { get; } = new();

    private CapacityProblem? Capacity => CapacityRules.Check(Area, DeviceModelCatalogue.ById(Device.ModelId));

    protected override void OnInitialized() => Form.CommonName = HolderName ?? "";

    private IEnumerable<string> Messages(IReadOnlyList<FieldError> errors) => errors.Select(e => L[e.MessageKey, e.Arguments].Value);

    private async Task ContinueAsync()
    {
        await _form.ValidateAsync();
        if (Capacity is null && _form.IsValid && Form.Problems().Count == 0)
        {
            Dialog.Answer(Form.Cleaned());
        }
    }
}

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

    [Inject]
    private Requests.RequestService Requests { get; set; } = default!;

    private IReadOnlyList<Requests.PreparedRequest> _prepared = [];

    [Parameter, EditorRequired]
    public DeviceSnapshot Device { get; set; } = default!;

    [Parameter, EditorRequired]
    public AreaSnapshot Area { get; set; } = default!;

    /// <summary>The signed-in holder's name: the request is normally for themselves.</summary>
    [Parameter]
    public string? HolderName { get; set; }

    private NewRequestForm Form { get; } = new();

    private CapacityProblem? Capacity => CapacityRules.Check(Area, DeviceModelCatalogue.ById(Device.ModelId));

    protected override async Task OnInitializedAsync()
    {
        Form.CommonName = HolderName ?? "";
        try
        {
            _prepared = await Requests.PreparedForHolderAsync(Area.Kind == AreaKind.Qualified ? Data.CertificateType.Qualified : Data.CertificateType.Commercial);
        }
        catch (PortalException)
        {
            // Without the database the holder can still make a request with their own data.
        }

        // Data a representative prepared are what the holder came for: they are offered first.
        if (_prepared.Count > 0)
        {
            PickPrepared(_prepared[0].Id);
        }
    }

    private void PickPrepared(long? id)
    {
        Form.PreparedRequestId = id;
        if (_prepared.FirstOrDefault(p => p.Id == id) is { } prepared)
        {
            Form.CommonName = prepared.SubjectName;
            Form.Email = prepared.Email;
        }
        else
        {
            Form.CommonName = HolderName ?? "";
            Form.Email = null;
        }
    }

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

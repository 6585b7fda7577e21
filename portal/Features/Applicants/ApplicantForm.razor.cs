using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Applicants;

public sealed partial class ApplicantForm
{
    private List<FieldError> _checked = [];
    private string? _message;
    private bool _saving;

    [Parameter, EditorRequired]
    public ApplicantInput Input { get; set; } = default!;

    /// <summary>The service's field errors for the last save.</summary>
    [Parameter]
    public IReadOnlyList<FieldError> Errors { get; set; } = [];

    /// <summary>The service's message about the whole form.</summary>
    [Parameter]
    public string? Message { get; set; }

    /// <summary>Saves what passed the form's own checks.</summary>
    [Parameter, EditorRequired]
    public EventCallback<ApplicantInput> Save { get; set; }

    [Parameter, EditorRequired]
    public string CancelHref { get; set; } = "";

    private IReadOnlyList<FieldError> Shown => _checked.Count > 0 ? _checked : Errors;

    private DateTime? DateOfBirth
    {
        get => Input.DateOfBirth?.ToDateTime(TimeOnly.MinValue);
        set => Input.DateOfBirth = value is { } date ? DateOnly.FromDateTime(date) : null;
    }

    private bool HasError(string field) => Shown.Any(e => e.Field == field);

    private async Task SubmitAsync()
    {
        // The organisation's multi-year policy is the service's to judge: the form checks what people typed.
        _checked = ApplicantService.Validate(Input, organisationAllowsMultiYear: true);
        _message = _checked.Count > 0 ? L["Validation.Summary"].Value : null;
        if (_checked.Count > 0)
        {
            return;
        }

        _saving = true;
        try
        {
            await Save.InvokeAsync(Input);
        }
        finally
        {
            _saving = false;
        }
    }
}

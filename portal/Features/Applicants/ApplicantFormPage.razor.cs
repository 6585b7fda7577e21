using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Applicants;

public sealed partial class ApplicantFormPage
{
    private ApplicantInput _input = new();
    private int _revision;
    private bool _ready;
    private IReadOnlyList<FieldError> _errors = [];
    private string? _formMessage;
    private Actor? _actor;
    private string? _elevationCode;

    [Inject]
    private ApplicantService Applicants { get; set; } = default!;

    [Inject]
    private CurrentActor Current { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Parameter]
    public long? Id { get; set; }

    private string Title => Id is null ? L["Applicants.RegisterTitle"] : L["Applicants.ChangeTitle"];

    protected override async Task OnParametersSetAsync()
    {
        _actor = await LoadAsync(Current.GetAsync);
        if (Id is long id)
        {
            var detail = await LoadAsync(() => Applicants.GetAsync(id));
            if (detail is not null && detail.CanManage)
            {
                _input = ApplicantInput.From(detail.Applicant);
                _revision = detail.Applicant.Revision;
                _ready = true;
                KeepDraft(() => _input, draft => _input = draft);
            }
            else if (detail is not null)
            {
                PageErrorKey = ApplicantService.NotAllowed;
            }
        }
        else
        {
            var actor = await LoadAsync(Current.GetAsync);
            _ready = actor?.IsRepresentative == true;
            if (_ready)
            {
                KeepDraft(() => _input, draft => _input = draft);
            }

            if (actor is not null && !_ready)
            {
                PageErrorKey = ApplicantService.NotAllowed;
            }
        }
    }

    private async Task SaveAsync(ApplicantInput input)
    {
        _formMessage = null;
        if (Id is long id)
        {
            var outcome = await RunAsync(() => Applicants.ChangeAsync(id, _revision, input, _elevationCode));
            _elevationCode = null;
            if (Handle(outcome))
            {
                DropDraft();
                Navigation.NavigateTo($"applicants/{id}");
            }
        }
        else
        {
            var outcome = await RunAsync(() => Applicants.RegisterAsync(input));
            if (Handle(outcome))
            {
                DropDraft();
                Navigation.NavigateTo($"applicants/{outcome!.Value}");
            }
        }
    }

    /// <summary>True when saved; otherwise the messages are shown and everything typed stays in the form.</summary>
    private bool Handle(Outcome? outcome)
    {
        if (outcome is null)
        {
            _formMessage = PageErrorKey is null ? null : L[PageErrorKey].Value;
            PageErrorKey = null;
            return false;
        }

        _errors = outcome.Errors;
        if (outcome.MessageKey is not null)
        {
            _formMessage = L[outcome.MessageKey];
        }
        else if (!outcome.Succeeded)
        {
            _formMessage = L["Validation.Summary"];
        }

        return outcome.Succeeded;
    }
}

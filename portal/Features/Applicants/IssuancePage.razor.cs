using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Applicants;

public sealed partial class IssuancePage
{
    private static readonly int[] Validities = [12, 24, 36];

    private ApplicantDetail? _detail;
    private IssuanceInput _input = new();
    private IReadOnlyList<FieldError> _errors = [];
    private string? _formMessage;
    private string? _done;
    private Account.Actor? _actor;
    private string? _elevationCode;

    [Inject]
    private Account.CurrentActor Current { get; set; } = default!;

    [Inject]
    private ApplicantService Applicants { get; set; } = default!;

    [Parameter]
    public long Id { get; set; }

    private bool HasError(string field) => _errors.Any(e => e.Field == field);

    protected override async Task OnParametersSetAsync()
    {
        _actor = await LoadAsync(Current.GetAsync);
        _detail = await LoadAsync(() => Applicants.GetAsync(Id));
        if (_detail is { } detail)
        {
            if (!detail.CanManage)
            {
                PageErrorKey = ApplicantService.NotAllowed;
                _detail = null;
                return;
            }

            if (detail.Applicant.IsBlocked)
            {
                PageErrorKey = ApplicantService.Blocked;
                _detail = null;
                return;
            }

            _input = new IssuanceInput
            {
                SubjectName = detail.Applicant.DisplayName,
                Email = detail.Applicant.Email,
                Phone = detail.Applicant.Phone,
                DeviceId = detail.Devices.FirstOrDefault(d => d.IsActive)?.DeviceId,
            };
            KeepDraft(() => _input, draft => _input = draft);
        }
    }

    private async Task SaveAsync()
    {
        _formMessage = null;
        var outcome = await RunAsync(() => Applicants.PrepareIssuanceAsync(Id, _input, _elevationCode));
        _elevationCode = null;
        if (outcome is null)
        {
            _formMessage = PageErrorKey is null ? null : L[PageErrorKey].Value;
            PageErrorKey = null;
            return;
        }

        _errors = outcome.Errors;
        if (outcome.Succeeded)
        {
            DropDraft();
            _done = outcome.Value;
        }
        else
        {
            _formMessage = outcome.MessageKey is null ? L["Validation.Summary"].Value : L[outcome.MessageKey].Value;
        }
    }
}

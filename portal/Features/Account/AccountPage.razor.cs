using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Features.Audit;

namespace Qtsp.Portal.Features.Account;

public sealed partial class AccountPage
{
    [SupplyParameterFromForm]
    private PasswordInput Input { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "recovery-codes")]
    private CodeConfirmation RecoveryConfirm { get; set; } = default!;

    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    private Actor? _actor;
    private bool _secondFactor;
    private string? _message;

    private bool _ok;
    private int _remainingCodes;
    private string? _recoveryMessage;
    private IReadOnlyList<string>? _newCodes;

    protected override void OnInitialized()
    {
        Input ??= new();
        RecoveryConfirm ??= new();
    }

    protected override async Task OnInitializedAsync()
    {
        _actor = await Current.RequireAsync();
        if (_actor.Support is null && await Users.FindByIdAsync(_actor.UserId) is { } user)
        {
            _secondFactor = await Users.GetTwoFactorEnabledAsync(user) && !string.IsNullOrEmpty(await Users.GetAuthenticatorKeyAsync(user));
            _remainingCodes = _secondFactor ? await Recovery.RemainingAsync(user) : 0;
        }
    }

    private async Task ChangeAsync()
    {
        if (_actor is null || _actor.Support is not null || await Users.FindByIdAsync(_actor.UserId) is not { } user)
        {
            return;
        }

        if (string.IsNullOrEmpty(Input.Current) || string.IsNullOrEmpty(Input.New) || Input.New.Length > AccountSetup.PasswordMaxLength || Input.Current.Length > AccountSetup.PasswordMaxLength)
        {
            _message = L["Account.PasswordInvalid"];
            return;
        }

        if (Input.New != Input.Confirm)
        {
            _message = L["Account.PasswordMismatch"];
            return;
        }

        // A wrong current password counts towards the account's lock-out as a wrong sign-in code does; a locked account
        // changes nothing, whatever password it is given.
        if (await Users.IsLockedOutAsync(user))
        {
            _message = L["Login.LockedOut", (int)AccountSetup.LockoutTime.TotalMinutes];
            return;
        }

        if (!await Users.CheckPasswordAsync(user, Input.Current))
        {
            await Users.AccessFailedAsync(user);
            await Audit.RecordAsync(_actor, AuditActions.PasswordChangeRefused, AuditSubjects.User(_actor.UserName));
            _message = await Users.IsLockedOutAsync(user) ? L["Login.LockedOut", (int)AccountSetup.LockoutTime.TotalMinutes] : L["Account.CurrentPasswordWrong"];
            return;
        }

        var result = await Users.ChangePasswordAsync(user, Input.Current, Input.New);
        if (!result.Succeeded)
        {
            // Identity's error codes, mapped to texts; its English descriptions are not shown.
            _message = result.Errors.Any(e => e.Code == "PasswordMismatch") ? L["Account.CurrentPasswordWrong"] : L["Account.PasswordPolicyFailed", 12];
            return;
        }

        // Every sign-in of the account ends, in every browser (a password change is what someone does who fears theirs is
        // known); this browser goes on in a new sign-in with a new cookie for the new security stamp, keeping the second
        // factor the session was signed in with.
        var ended = await SignIns.RevokeAllAsync(user.Id, Data.SignInSessionEnd.PasswordChanged);
        var methods = HttpContext!.User.FindAll(PortalClaims.AuthenticationMethods).Select(c => new System.Security.Claims.Claim(c.Type, c.Value)).ToArray();
        await SignIn.SignInWithClaimsAsync(user, isPersistent: false, methods);
        await Audit.RecordAsync(_actor, AuditActions.PasswordChanged, AuditSubjects.User(_actor.UserName), new { endedSignIns = ended });
        _message = L["Account.PasswordChanged"];
        _ok = true;
    }

    /// <summary>A new set of recovery codes replaces the old one after a fresh authenticator code (each code confirms once).</summary>
    private async Task NewRecoveryCodesAsync()
    {
        if (_actor is null || _actor.Support is not null || !_secondFactor || await Users.FindByIdAsync(_actor.UserId) is not { } user)
        {
            return;
        }

        if (!await Codes.VerifyOnceAsync(user.Id, RecoveryConfirm.Code))
        {
            await Audit.RecordAsync(_actor, AuditActions.SecondFactorFailed, AuditSubjects.User(_actor.UserName), new { purpose = "recovery-codes" });
            _recoveryMessage = await Users.IsLockedOutAsync(user) ? L["Login.LockedOut", (int)AccountSetup.LockoutTime.TotalMinutes] : L["TwoFactor.Wrong"];
            return;
        }

        _newCodes = await Recovery.ReplaceAsync(user, _actor.UserName);
    }

    private sealed class CodeConfirmation
    {
        public string? Code { get; set; }
    }

    private sealed class PasswordInput
    {
        public string? Current { get; set; }

        public string? New { get; set; }

        public string? Confirm { get; set; }
    }
}

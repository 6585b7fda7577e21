using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;

namespace Qtsp.Portal.Features.Account;

public sealed partial class TwoFactorPage
{
    public const string Issuer = "QTSP Portal";

    [SupplyParameterFromForm]
    private CodeInput Input { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "recovery-code")]
    private CodeInput RecoveryInput { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    private PortalUser? _user;
    private bool _enrolling;
    private string? _key;
    private string? _qr;
    private string? _message;
    private string? _recoveryMessage;
    private IReadOnlyList<string>? _newCodes;

    protected override void OnInitialized()
    {
        Input ??= new();
        RecoveryInput ??= new();
    }

    protected override async Task OnInitializedAsync()
    {
        // Only after a correct password: Identity's short-lived second-factor cookie names the account.
        _user = await SignIn.GetTwoFactorAuthenticationUserAsync();
        if (_user is null)
        {
            Navigation.NavigateTo("account/login", forceLoad: true);
            return;
        }

        // No key (never enrolled, or reset by staff after a lost phone): a new one is set up before anything else.
        _key = await Users.GetAuthenticatorKeyAsync(_user);
        _enrolling = !await Users.GetTwoFactorEnabledAsync(_user) || string.IsNullOrEmpty(_key);
        if (_enrolling)
        {
            if (string.IsNullOrEmpty(_key))
            {
                await Users.ResetAuthenticatorKeyAsync(_user);
                _key = await Users.GetAuthenticatorKeyAsync(_user);
            }

            _qr = AuthenticatorQr.DataUri(Issuer, _user.UserName ?? _user.Id, _key!);
        }
    }

    private async Task SubmitAsync()
    {
        if (_user is null)
        {
            return;
        }

        var code = Support.TotpCode.Normalize(Input.Code);
        if (code is null)
        {
            _message = L["TwoFactor.Invalid"];
            return;
        }

        var userName = _user.UserName ?? _user.Id;
        if (_enrolling)
        {
            if (!await Users.VerifyTwoFactorTokenAsync(_user, SingleUseAuthenticator.ProviderName, code))
            {
                await Users.AccessFailedAsync(_user);
                await Audit.RecordAsync(userName, null, null, AuditActions.SecondFactorFailed, AuditSubjects.User(userName), new { enrolment = true });
                _message = await Users.IsLockedOutAsync(_user) ? L["Login.LockedOut", (int)AccountSetup.LockoutTime.TotalMinutes] : L["TwoFactor.Wrong"];
                return;
            }

            await Users.SetTwoFactorEnabledAsync(_user, true);
            await Audit.RecordAsync(userName, null, null, AuditActions.SecondFactorEnrolled, AuditSubjects.User(userName));
        }

        // The enrolment's code was just used (each code is accepted once): that sign-in completes without a second check.
        var result = _enrolling
            ? await SignIn.SignInAfterEnrolmentAsync(_user)
            : await SignIn.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false);
        if (result.Succeeded)
        {
            await Audit.RecordAsync(userName, null, null, AuditActions.SignedIn, AuditSubjects.User(userName), new { secondFactor = true });
            if (_enrolling)
            {
                // Shown on this response only: the database keeps their hashes.
                _newCodes = await Recovery.ReplaceAsync(_user, userName);
                return;
            }

            Navigation.NavigateTo(AccountPaths.LocalOrHome(ReturnUrl), forceLoad: true);
        }
        else if (result.IsLockedOut)
        {
            await Audit.RecordAsync(userName, null, null, AuditActions.LockedOut, AuditSubjects.User(userName));
            _message = L["Login.LockedOut", (int)AccountSetup.LockoutTime.TotalMinutes];
        }
        else
        {
            await Audit.RecordAsync(userName, null, null, AuditActions.SecondFactorFailed, AuditSubjects.User(userName));
            _message = L["TwoFactor.Wrong"];
        }
    }

    /// <summary>A recovery code instead of the authenticator's: each works once; wrong ones count towards the lock-out like wrong codes.</summary>
    private async Task RedeemAsync()
    {
        if (_user is null || _enrolling)
        {
            return;
        }

        var userName = _user.UserName ?? _user.Id;
        if (await Users.IsLockedOutAsync(_user))
        {
            await Audit.RecordAsync(userName, null, null, AuditActions.LockedOut, AuditSubjects.User(userName));
            _recoveryMessage = L["Login.LockedOut", (int)AccountSetup.LockoutTime.TotalMinutes];
            return;
        }

        var code = RecoveryInput.Code?.Trim();
        var result = string.IsNullOrEmpty(code) || code.Length > 64 ? SignInResult.Failed : await SignIn.TwoFactorRecoveryCodeSignInAsync(code);
        if (result.Succeeded)
        {
            await Audit.RecordAsync(userName, null, null, AuditActions.RecoveryCodeUsed, AuditSubjects.User(userName), new { remaining = await Recovery.RemainingAsync(_user) });
            await Audit.RecordAsync(userName, null, null, AuditActions.SignedIn, AuditSubjects.User(userName), new { secondFactor = true, recoveryCode = true });
            Navigation.NavigateTo(AccountPaths.LocalOrHome(ReturnUrl), forceLoad: true);
            return;
        }

        // Identity's recovery-code sign-in does not count failures itself.
        await Users.AccessFailedAsync(_user);
        await Audit.RecordAsync(userName, null, null, AuditActions.RecoveryCodeFailed, AuditSubjects.User(userName));
        _recoveryMessage = await Users.IsLockedOutAsync(_user) ? L["Login.LockedOut", (int)AccountSetup.LockoutTime.TotalMinutes] : L["TwoFactor.RecoveryWrong"];
    }

    private static string FormatKey(string? key) =>
        string.Join(' ', (key ?? "").ToLowerInvariant().Chunk(4).Select(c => new string(c)));

    private sealed class CodeInput
    {
        public string? Code { get; set; }
    }
}

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

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    private PortalUser? _user;
    private bool _enrolling;
    private string? _key;
    private string? _qr;
    private string? _message;

    protected override void OnInitialized() => Input ??= new();

    protected override async Task OnInitializedAsync()
    {
        // Only after a correct password: Identity's short-lived second-factor cookie names the account.
        _user = await SignIn.GetTwoFactorAuthenticationUserAsync();
        if (_user is null)
        {
            Navigation.NavigateTo("account/login", forceLoad: true);
            return;
        }

        _enrolling = !await Users.GetTwoFactorEnabledAsync(_user);
        if (_enrolling)
        {
            _key = await Users.GetAuthenticatorKeyAsync(_user);
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

    private static string FormatKey(string? key) =>
        string.Join(' ', (key ?? "").ToLowerInvariant().Chunk(4).Select(c => new string(c)));

    private sealed class CodeInput
    {
        public string? Code { get; set; }
    }
}

using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Account;

public sealed partial class LoginPage
{
    [SupplyParameterFromForm]
    private LoginInput Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    /// <summary>Set when an open page's sign-in ran out (SessionWatch): say so, and that what was typed is kept.</summary>
    [SupplyParameterFromQuery]
    private bool? Expired { get; set; }

    /// <summary>Why a sign-in through Entra ID did not sign anyone in (EntraEndpoints).</summary>
    [SupplyParameterFromQuery(Name = "entra")]
    private string? Entra { get; set; }

    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    private string EntraSignInLink => $"{EntraSignIn.EntraEndpoints.SignInPath}?returnUrl={Uri.EscapeDataString(AccountPaths.LocalOrHome(ReturnUrl))}";

    private string? EntraRefusal =>
        Enum.TryParse<EntraSignIn.EntraSignInOutcome>(Entra, ignoreCase: false, out var outcome) && Enum.IsDefined(outcome) && !int.TryParse(Entra, out _)
        && outcome is not (EntraSignIn.EntraSignInOutcome.SignedIn or EntraSignIn.EntraSignInOutcome.SecondFactorRequired)
            ? L[$"Login.Entra.{outcome}"].Value
            : null;

    private string? _message;

    private string TokenSignIn => $"account/login/token?returnUrl={Uri.EscapeDataString(AccountPaths.LocalOrHome(ReturnUrl))}";

    protected override void OnInitialized() => Input ??= new();

    private async Task SubmitAsync()
    {
        var userName = Input.UserName?.Trim() ?? "";
        var password = Input.Password ?? "";
        if (userName.Length == 0 || password.Length == 0)
        {
            _message = L["Login.Missing"];
            return;
        }

        if (userName.Length > AccountSetup.UserNameMaxLength || password.Length > AccountSetup.PasswordMaxLength)
        {
            _message = L["Login.Failed"];
            return;
        }

        PasswordSignInOutcome result;
        try
        {
            result = await SignIn.SignInWithPasswordAsync(userName, password, HttpContext?.Connection.RemoteIpAddress);
        }
        catch (Exception exception) when (DataAccess.IsUnavailable(exception))
        {
            _message = L["Data.Unavailable"];
            return;
        }

        if (result == PasswordSignInOutcome.SignedIn)
        {
            await Audit.RecordAsync(userName, null, null, AuditActions.SignedIn, AuditSubjects.User(userName), new { secondFactor = false });
            Navigation.NavigateTo(AccountPaths.LocalOrHome(ReturnUrl), forceLoad: true);
        }
        else if (result == PasswordSignInOutcome.SecondFactorRequired)
        {
            Navigation.NavigateTo($"account/two-factor?returnUrl={Uri.EscapeDataString(AccountPaths.LocalOrHome(ReturnUrl))}", forceLoad: true);
        }
        else if (result == PasswordSignInOutcome.LockedOut)
        {
            await Audit.RecordAsync(userName, null, null, AuditActions.LockedOut, AuditSubjects.User(userName));
            _message = L["Login.LockedOut", (int)AccountSetup.LockoutTime.TotalMinutes];
        }
        else
        {
            await Audit.RecordAsync(userName, null, null, AuditActions.SignInFailed, AuditSubjects.User(userName));
            _message = L["Login.Failed"];
        }
    }

    private sealed class LoginInput
    {
        public string? UserName { get; set; }

        public string? Password { get; set; }
    }
}

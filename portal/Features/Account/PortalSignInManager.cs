using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Identity's sign-in with one change: for roles that require it, the second factor is always asked for — also before
/// the account has enrolled an authenticator, in which case the second-factor page enrols one first. A password alone
/// never signs such an account in.
/// </summary>
public sealed class PortalSignInManager(
    UserManager<PortalUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PortalUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<PortalUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PortalUser> confirmation)
    : SignInManager<PortalUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> IsTwoFactorEnabledAsync(PortalUser user) =>
        await base.IsTwoFactorEnabledAsync(user).ConfigureAwait(false)
        || PortalRoles.SecondFactorRequired(await UserManager.GetRolesAsync(user).ConfigureAwait(false));
}

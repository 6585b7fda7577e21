using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure.Hosting;

namespace Qtsp.Portal.Features.Account;

/// <summary>What the sign-in page makes of a user name and password.</summary>
public enum PasswordSignInOutcome
{
    SignedIn,
    SecondFactorRequired,

    /// <summary>No such account or a wrong password: one answer for both.</summary>
    Failed,

    /// <summary>Too many wrong passwords for this account from this address, or a locked account with its right password.</summary>
    LockedOut,
}

/// <summary>
/// Identity's sign-in with two changes. For roles that require it, the second factor is always asked for — also before
/// the account has enrolled an authenticator, in which case the second-factor page enrols one first; a password alone
/// never signs such an account in. And the password step (<see cref="SignInWithPasswordAsync"/>) treats unknown and real
/// accounts alike and cannot be used to lock someone else out.
/// </summary>
public sealed class PortalSignInManager(
    UserManager<PortalUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PortalUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<PortalUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PortalUser> confirmation,
    Throttling throttling,
    SignInDelays delays,
    SignInSessions sessions)
    : SignInManager<PortalUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    // A hash of a random password made as real ones are, for the unknown names: verifying it costs what a real check costs.
    private static string? _unknownAccountHash;

    public override async Task<bool> IsTwoFactorEnabledAsync(PortalUser user) =>
        await base.IsTwoFactorEnabledAsync(user).ConfigureAwait(false)
        || PortalRoles.SecondFactorRequired(await UserManager.GetRolesAsync(user).ConfigureAwait(false));

    /// <summary>
    /// Checks a password the same way whether the name belongs to an account or not (one hash verification, the same
    /// records, the same answer). Wrong passwords count per account and address (<see cref="Throttling"/>: five within
    /// fifteen minutes lock that address out of that account for fifteen minutes) and slow the address down
    /// (<see cref="SignInDelays"/>); they never lock the account itself, so nobody can lock another person out by naming
    /// them. Identity's account lock-out (wrong second-factor codes, wrong current passwords) is told only to whoever
    /// gives the right password.
    /// </summary>
    public async Task<PasswordSignInOutcome> SignInWithPasswordAsync(string userName, string password, IPAddress? address)
    {
        var pairKey = Throttling.Key("signin:", $"{UserManager.NormalizeName(userName)}\n{RateLimits.AddressPartition(address)}");
        if (await throttling.IsLockedAsync([pairKey]).ConfigureAwait(false))
        {
            return PasswordSignInOutcome.LockedOut;
        }

        var user = await UserManager.FindByNameAsync(userName).ConfigureAwait(false);
        var correct = user is null
            ? VerifyAgainstUnknownAccount(password)
            : await UserManager.CheckPasswordAsync(user, password).ConfigureAwait(false);
        if (!correct || user is null)
        {
            delays.Failed(address);
            await throttling.FailAsync([pairKey]).ConfigureAwait(false);
            return await throttling.IsLockedAsync([pairKey]).ConfigureAwait(false) ? PasswordSignInOutcome.LockedOut : PasswordSignInOutcome.Failed;
        }

        await throttling.ResetAsync([pairKey]).ConfigureAwait(false);
        var refusal = await PreSignInCheck(user).ConfigureAwait(false);
        if (refusal is not null)
        {
            return PasswordSignInOutcome.LockedOut;
        }

        var result = await SignInOrTwoFactorAsync(user, isPersistent: false).ConfigureAwait(false);
        return result.RequiresTwoFactor ? PasswordSignInOutcome.SecondFactorRequired
            : result.Succeeded ? PasswordSignInOutcome.SignedIn
            : PasswordSignInOutcome.Failed;
    }

    /// <summary>
    /// Ends the second-factor step for an account that has just enrolled its authenticator with a code checked (and used
    /// up) by the enrolment: the session is signed in with the second factor, as Identity's own second-factor sign-in does.
    /// </summary>
    public async Task<SignInResult> SignInAfterEnrolmentAsync(PortalUser user)
    {
        if (await GetTwoFactorAuthenticationUserAsync().ConfigureAwait(false) is not { } pending || pending.Id != user.Id)
        {
            return SignInResult.Failed;
        }

        await UserManager.ResetAccessFailedCountAsync(user).ConfigureAwait(false);
        await Context.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme).ConfigureAwait(false);
        await SignInWithClaimsAsync(user, isPersistent: false, [new System.Security.Claims.Claim(PortalClaims.AuthenticationMethods, "mfa")]).ConfigureAwait(false);
        return SignInResult.Success;
    }

    /// <summary>
    /// The account's directory (Entra ID) vouched for the person in place of the password. When it also checked a
    /// second factor the session is multi-factor ("ext", "mfa"); otherwise the second-factor step follows, as after a
    /// password.
    /// </summary>
    public async Task<SignInResult> SignInWithDirectoryAsync(PortalUser user, bool multiFactor, string directory)
    {
        if (!multiFactor)
        {
            return await SignInOrTwoFactorAsync(user, isPersistent: false, loginProvider: directory).ConfigureAwait(false);
        }

        await SignInWithClaimsAsync(user, isPersistent: false,
            [new System.Security.Claims.Claim(PortalClaims.AuthenticationMethods, "ext"), new System.Security.Claims.Claim(PortalClaims.AuthenticationMethods, PortalClaims.MultiFactor)]).ConfigureAwait(false);
        return SignInResult.Success;
    }

    /// <summary>
    /// Every sign-in gets its own server-side record (<see cref="SignInSessions"/>), named in the cookie by its random id;
    /// a refresh of the same sign-in (<see cref="RefreshSignInAsync"/>) keeps its record.
    /// </summary>
    public override async Task SignInWithClaimsAsync(PortalUser user, AuthenticationProperties? authenticationProperties, IEnumerable<System.Security.Claims.Claim> additionalClaims)
    {
        var claims = additionalClaims.Where(c => c.Type != PortalClaims.SessionId).ToList();
        var token = _refreshedSession;
        if (token is null || await sessions.CheckAsync(token, user.Id, activity: false).ConfigureAwait(false) is null)
        {
            // A new sign-in in a browser that still holds an older one replaces it.
            await sessions.EndAsync(SignInSessions.TokenOf(Context.User), SignInSessionEnd.SignedOut).ConfigureAwait(false);
            token = await sessions.StartAsync(user.Id, Context.Connection.RemoteIpAddress?.ToString()).ConfigureAwait(false);
        }

        claims.Add(new System.Security.Claims.Claim(PortalClaims.SessionId, token));
        await base.SignInWithClaimsAsync(user, authenticationProperties, claims).ConfigureAwait(false);
    }

    private string? _refreshedSession;

    public override async Task RefreshSignInAsync(PortalUser user)
    {
        _refreshedSession = SignInSessions.TokenOf(Context.User);
        try
        {
            await base.RefreshSignInAsync(user).ConfigureAwait(false);
        }
        finally
        {
            _refreshedSession = null;
        }
    }

    /// <summary>Signing out ends the sign-in's record: the cookie, wherever a copy of it is kept, opens nothing afterwards.</summary>
    public override async Task SignOutAsync()
    {
        await sessions.EndAsync(SignInSessions.TokenOf(Context.User), SignInSessionEnd.SignedOut).ConfigureAwait(false);
        await base.SignOutAsync().ConfigureAwait(false);
    }

    private bool VerifyAgainstUnknownAccount(string password)
    {
        var placeholder = new PortalUser();
        _unknownAccountHash ??= UserManager.PasswordHasher.HashPassword(placeholder, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        UserManager.PasswordHasher.VerifyHashedPassword(placeholder, _unknownAccountHash, password);
        return false;
    }
}

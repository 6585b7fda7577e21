using Microsoft.AspNetCore.Identity;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Identity's authenticator provider for the sign-in's second factor, with the rule of <see cref="OneTimeCodes"/>: a code
/// is accepted once (its time step is recorded in <see cref="PortalUser.LastTotpTimeStep"/>, shared with elevation and
/// confirmations) and only within <see cref="OneTimeCodes.AllowedDrift"/> steps of now. Identity counts wrong codes
/// towards its lock-out as before.
/// </summary>
public sealed class SingleUseAuthenticator(DataAccess data, TimeProvider time) : IUserTwoFactorTokenProvider<PortalUser>
{
    public const string ProviderName = "PortalAuthenticator";

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<PortalUser> manager, PortalUser user) =>
        !string.IsNullOrEmpty(await manager.GetAuthenticatorKeyAsync(user).ConfigureAwait(false));

    /// <summary>The codes come from the person's authenticator app; the portal never makes one.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<PortalUser> manager, PortalUser user) =>
        throw new NotSupportedException("Authenticator codes are made by the authenticator app.");

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<PortalUser> manager, PortalUser user)
    {
        var digits = TotpCode.Normalize(token);
        var key = await manager.GetAuthenticatorKeyAsync(user).ConfigureAwait(false);
        if (digits is null || string.IsNullOrEmpty(key) || OneTimeCodes.MatchingStep(key, digits, time.GetUtcNow()) is not long step
            || !await OneTimeCodes.TakeStepAsync(data, user.Id, step).ConfigureAwait(false))
        {
            return false;
        }

        // Identity saves its copy of the account again after the sign-in (every column): it must not put the old step back.
        user.LastTotpTimeStep = step;
        return true;
    }
}

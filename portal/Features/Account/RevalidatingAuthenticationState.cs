using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// A circuit outlives the request that started it: every few seconds it checks its sign-in's record
/// (<see cref="SignInSessions"/>, from memory for a few seconds), so a sign-out in another tab, a password change or a
/// staff reset ends its open pages too; about once a minute also the account itself (locked, deleted, new security stamp).
/// </summary>
public sealed class RevalidatingAuthenticationState(
    ILoggerFactory loggerFactory,
    IServiceScopeFactory scopes,
    SignInSessions sessions,
    TimeProvider time,
    IOptions<IdentityOptions> options) : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    private static readonly TimeSpan AccountCheckInterval = TimeSpan.FromMinutes(1);
    private DateTimeOffset _accountCheckedAt = time.GetUtcNow();

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(5);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        try
        {
            return await ValidateAsync(authenticationState.User).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is Infrastructure.DataUnavailableException || Infrastructure.DataAccess.IsUnavailable(exception))
        {
            // The database is away: neither confirmed nor ended. The framework would take a failed check for an ended
            // sign-in and empty every open page; the pages say "try again" meanwhile, and the next check decides.
            return true;
        }
    }

    private async Task<bool> ValidateAsync(ClaimsPrincipal principal)
    {
        if (await sessions.CheckAsync(SignInSessions.TokenOf(principal), principal.FindFirstValue(ClaimTypes.NameIdentifier), activity: false).ConfigureAwait(false) is null)
        {
            return false;
        }

        if (time.GetUtcNow() - _accountCheckedAt < AccountCheckInterval)
        {
            return true;
        }

        _accountCheckedAt = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.GetUserAsync(principal).ConfigureAwait(false);
        if (user is null || await users.IsLockedOutAsync(user).ConfigureAwait(false))
        {
            return false;
        }

        if (!users.SupportsUserSecurityStamp)
        {
            return true;
        }

        var stamp = principal.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        return stamp == await users.GetSecurityStampAsync(user).ConfigureAwait(false);
    }
}

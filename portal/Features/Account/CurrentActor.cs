using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Resolves the <see cref="Actor"/> of the current request or circuit from the signed-in principal and the database:
/// the account's roles and links as they are now, and for support staff the open support session of this sign-in (an
/// expired one is closed here, so a session ends by itself even if nobody presses End). A sign-in whose record was ended
/// (<see cref="SignInSessions"/>) resolves to no one.
/// </summary>
public sealed class CurrentActor(
    AuthenticationStateProvider authentication,
    IHttpContextAccessor httpContext,
    DataAccess data,
    AuditTrail audit,
    SessionActivity session,
    SignInSessions signIns,
    TimeProvider time)
{
    /// <summary>The record of the sign-in the last <see cref="GetAsync"/> found open (<see cref="SignInSessions"/>).</summary>
    public long? SignInSessionId { get; private set; }

    /// <summary>What the last <see cref="GetAsync"/> of this request or circuit found.</summary>
    public Actor? LastResolved { get; private set; }

    /// <summary>The acting account, or null when no one is signed in.</summary>
    public async Task<Actor?> GetAsync()
    {
        var actor = await ResolveAsync().ConfigureAwait(false);
        LastResolved = actor;
        return actor;
    }

    private async Task<Actor?> ResolveAsync()
    {
        if (session.Expired)
        {
            return null; // this circuit's sign-in ran out while the page was open: nothing more happens in it
        }

        var principal = await PrincipalAsync().ConfigureAwait(false);
        var userId = principal?.Identity?.IsAuthenticated == true ? principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        if (userId is null)
        {
            return null;
        }

        // The sign-in must still be open: after a sign-out in another tab, nothing more happens in this one.
        var signInSessionId = await signIns.CheckAsync(SignInSessions.TokenOf(principal), userId, activity: false).ConfigureAwait(false);
        SignInSessionId = signInSessionId;
        if (signInSessionId is null)
        {
            return null;
        }

        var multiFactor = principal!.HasClaim(PortalClaims.AuthenticationMethods, PortalClaims.MultiFactor);
        return await data.RunAsync(async db =>
        {
            var user = await LoadAsync(db, userId).ConfigureAwait(false);
            if (user is not null && PortalRoles.SecondFactorRequired(user.Roles) && !multiFactor)
            {
                // Given a role that needs a second factor after signing in with a password only: sign in again.
                return null;
            }

            if (user is null || !user.IsInRole(PortalRoles.Support))
            {
                return user;
            }

            var session = await db.SupportSessions.AsNoTracking()
                .Where(s => s.StaffUserId == userId && s.SignInSessionId == signInSessionId && s.EndedAtUtc == null)
                .OrderByDescending(s => s.StartedAtUtc)
                .FirstOrDefaultAsync().ConfigureAwait(false);
            if (session is null)
            {
                return user;
            }

            var now = time.GetUtcNow().UtcDateTime;
            if (!session.IsOpenAt(now))
            {
                await ExpireAsync(db, session).ConfigureAwait(false);
                return user;
            }

            var customer = await LoadAsync(db, session.CustomerUserId).ConfigureAwait(false);
            if (customer is null)
            {
                return user;
            }

            var mayElevate = await db.UserClaims.AnyAsync(c => c.UserId == userId && c.ClaimType == PortalClaims.Permission && c.ClaimValue == PortalClaims.SupportDestructive)
                .ConfigureAwait(false);
            return customer with
            {
                Support = new SupportContext(session.Id, user.UserId, user.UserName, user.DisplayName, session.Reason, session.ExpiresAtUtc, mayElevate),
            };
        }).ConfigureAwait(false);
    }

    /// <summary>The acting account; <see cref="NotSignedInException"/> when no one is signed in.</summary>
    public async Task<Actor> RequireAsync() => await GetAsync().ConfigureAwait(false) ?? throw new NotSignedInException();

    private async Task<ClaimsPrincipal?> PrincipalAsync()
    {
        try
        {
            return (await authentication.GetAuthenticationStateAsync().ConfigureAwait(false)).User;
        }
        catch (InvalidOperationException)
        {
            // Outside Razor components (minimal API endpoints) the authentication state provider is not initialised.
            return httpContext.HttpContext?.User;
        }
    }

    private async Task ExpireAsync(PortalDbContext db, SupportSession session)
    {
        // Only the request that closes it records it.
        var closed = await db.SupportSessions
            .Where(s => s.Id == session.Id && s.EndedAtUtc == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAtUtc, session.ExpiresAtUtc).SetProperty(x => x.EndReason, SupportSessionEnd.Expired))
            .ConfigureAwait(false);
        if (closed == 1)
        {
            await audit.RecordAsync(session.StaffUserName, session.CustomerUserName, session.Id, AuditActions.SupportSessionExpired,
                AuditSubjects.SupportSession(session.Id), new { session.ExpiresAtUtc }).ConfigureAwait(false);
        }
    }

    internal static async Task<Actor?> LoadAsync(PortalDbContext db, string userId)
    {
        var user = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId)
            .Select(u => new
            {
                u.Id,
                u.UserName,
                u.DisplayName,
                u.OrganisationId,
                OrganisationName = u.Organisation == null ? null : u.Organisation.Name,
                ContractNumber = u.Organisation == null ? null : u.Organisation.ContractNumber,
                u.ApplicantId,
                Roles = db.UserRoles.Where(r => r.UserId == u.Id).Join(db.Roles, r => r.RoleId, r => r.Id, (_, role) => role.Name).ToList(),
            })
            .SingleOrDefaultAsync().ConfigureAwait(false);
        return user is null
            ? null
            : new Actor(user.Id, user.UserName ?? user.Id, user.DisplayName, user.Roles.Where(r => r is not null).Select(r => r!).ToHashSet(StringComparer.Ordinal),
                user.OrganisationId, user.OrganisationName, user.ContractNumber, user.ApplicantId);
    }
}

using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Hosting;

namespace Qtsp.Portal.Features.Account.EntraSignIn;

public enum EntraSignInOutcome
{
    SignedIn,

    /// <summary>The directory did not report a second factor: the portal's own authenticator step follows.</summary>
    SecondFactorRequired,

    /// <summary>No portal account is linked to this identity, or its organisation does not sign in with this tenant (any more).</summary>
    NotLinked,

    /// <summary>The linked account may not sign in now (locked).</summary>
    AccountLocked,

    /// <summary>The sign-in at the directory was cancelled or its answer did not validate.</summary>
    Failed,
}

public enum EntraLinkOutcome
{
    Linked,

    /// <summary>The identity belongs to another directory than the one the organisation recorded.</summary>
    WrongTenant,

    /// <summary>This account is linked already (unlink first).</summary>
    AlreadyLinked,

    /// <summary>The identity is linked to another portal account.</summary>
    IdentityTaken,

    /// <summary>Only a representative, outside a support session, in their own browser session links their own account.</summary>
    NotPermitted,

    Failed,
}

public enum EntraSettingOutcome
{
    Saved,
    TenantInvalid,
    CodeWrong,
    NotPermitted,
}

/// <summary>
/// The organisation's Entra tenant, the link between a representative's portal account and their Entra identity, and the
/// sign-in with a linked identity. The directory replaces the password; the second factor is the directory's when its
/// token says it checked one ("mfa"), otherwise the portal's authenticator. Every change and every refusal is audited.
/// </summary>
public sealed class EntraSignIns(
    DataAccess data,
    PortalSignInManager signIn,
    OneTimeCodes codes,
    AuditTrail audit,
    SignInDelays delays)
{
    /// <summary>Roles that never sign in through a customer's directory: staff act for the CA.</summary>
    private static readonly string[] StaffRoles = [PortalRoles.Support, PortalRoles.RaOperator, PortalRoles.Admin];

    public async Task<EntraSignInOutcome> SignInAsync(EntraIdentity? identity, IPAddress? address)
    {
        var (outcome, user) = identity is null ? (EntraSignInOutcome.Failed, null) : await AccountOfAsync(identity).ConfigureAwait(false);
        if (user is null)
        {
            delays.Failed(address);
            await audit.RecordAsync(AuditTrail.Anonymous, null, null, AuditActions.EntraSignInRefused, null,
                new { reason = outcome.ToString(), tenant = identity?.TenantId, objectId = identity?.ObjectId }).ConfigureAwait(false);
            return outcome;
        }

        var result = await signIn.SignInWithDirectoryAsync(user, identity!.MultiFactor, EntraSetup.Scheme).ConfigureAwait(false);
        if (result.RequiresTwoFactor)
        {
            return EntraSignInOutcome.SecondFactorRequired;
        }

        await audit.RecordAsync(user.UserName!, null, null, AuditActions.SignedIn, AuditSubjects.User(user.UserName!),
            new { secondFactor = true, method = "entra", tenant = identity.TenantId }).ConfigureAwait(false);
        return EntraSignInOutcome.SignedIn;
    }

    private async Task<(EntraSignInOutcome, PortalUser?)> AccountOfAsync(EntraIdentity identity)
    {
        var user = await data.RunAsync(db => db.Users.Include(u => u.Organisation)
            .SingleOrDefaultAsync(u => u.EntraTenantId == identity.TenantId && u.EntraObjectId == identity.ObjectId)).ConfigureAwait(false);
        // The organisation's record decides, now: a tenant it switched off or replaced signs nobody in.
        if (user?.Organisation?.EntraTenantId != identity.TenantId)
        {
            return (EntraSignInOutcome.NotLinked, null);
        }

        var roles = await signIn.UserManager.GetRolesAsync(user).ConfigureAwait(false);
        if (!roles.Contains(PortalRoles.CompanyRepresentative) || roles.Any(StaffRoles.Contains))
        {
            return (EntraSignInOutcome.NotLinked, null);
        }

        if (await signIn.UserManager.IsLockedOutAsync(user).ConfigureAwait(false) || !await signIn.CanSignInAsync(user).ConfigureAwait(false))
        {
            return (EntraSignInOutcome.AccountLocked, null);
        }

        return (EntraSignInOutcome.SignedIn, user);
    }

    /// <summary>Links <paramref name="identity"/> to the representative's own account, once; the directory must be the organisation's.</summary>
    public async Task<EntraLinkOutcome> LinkAsync(Actor actor, EntraIdentity? identity)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var outcome = await TryLinkAsync(actor, identity).ConfigureAwait(false);
        await audit.RecordAsync(actor, outcome == EntraLinkOutcome.Linked ? AuditActions.EntraLinked : AuditActions.EntraLinkRefused, AuditSubjects.User(actor.UserName),
            new { outcome = outcome.ToString(), tenant = identity?.TenantId, objectId = identity?.ObjectId, entraUser = identity?.UserName }).ConfigureAwait(false);
        return outcome;
    }

    private async Task<EntraLinkOutcome> TryLinkAsync(Actor actor, EntraIdentity? identity)
    {
        if (identity is null)
        {
            return EntraLinkOutcome.Failed;
        }

        if (!actor.IsRepresentative || actor.Support is not null)
        {
            return EntraLinkOutcome.NotPermitted;
        }

        var tenant = await data.RunAsync(db => db.Organisations.Where(o => o.Id == actor.OrganisationId).Select(o => o.EntraTenantId).SingleOrDefaultAsync()).ConfigureAwait(false);
        if (tenant != identity.TenantId)
        {
            return EntraLinkOutcome.WrongTenant;
        }

        try
        {
            var linked = await data.RunAsync(db => db.Users
                .Where(u => u.Id == actor.UserId && u.EntraObjectId == null)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(u => u.EntraTenantId, identity.TenantId)
                    .SetProperty(u => u.EntraObjectId, identity.ObjectId)
                    .SetProperty(u => u.EntraUserName, identity.UserName))).ConfigureAwait(false);
            return linked == 1 ? EntraLinkOutcome.Linked : EntraLinkOutcome.AlreadyLinked;
        }
        catch (System.Data.Common.DbException exception) when (DataAccess.IsUniqueViolation(exception))
        {
            return EntraLinkOutcome.IdentityTaken;
        }
    }

    /// <summary>Ends the link of the representative's own account, confirmed with a fresh authenticator code.</summary>
    public async Task<EntraSettingOutcome> UnlinkAsync(Actor actor, string? code)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var check = await CheckRepresentativeAsync(actor, code, "entra-unlink").ConfigureAwait(false);
        if (check != EntraSettingOutcome.Saved)
        {
            return check;
        }

        await data.RunAsync(db => db.Users.Where(u => u.Id == actor.UserId).ExecuteUpdateAsync(ClearLink)).ConfigureAwait(false);
        await audit.RecordAsync(actor, AuditActions.EntraUnlinked, AuditSubjects.User(actor.UserName)).ConfigureAwait(false);
        return EntraSettingOutcome.Saved;
    }

    /// <summary>
    /// Records the organisation's tenant (or, with an empty <paramref name="tenantText"/>, switches the Entra sign-in off),
    /// confirmed with a fresh authenticator code. Links to any other tenant end with it.
    /// </summary>
    public async Task<EntraSettingOutcome> SetTenantAsync(Actor actor, string? tenantText, string? code)
    {
        ArgumentNullException.ThrowIfNull(actor);
        string? tenant = null;
        if (!string.IsNullOrWhiteSpace(tenantText) && (tenant = EntraIdentity.NormalizeId(tenantText)) is null)
        {
            return EntraSettingOutcome.TenantInvalid;
        }

        var check = await CheckRepresentativeAsync(actor, code, "entra-tenant").ConfigureAwait(false);
        if (check != EntraSettingOutcome.Saved)
        {
            return check;
        }

        var (previous, unlinked) = await data.RunInTransactionAsync(async db =>
        {
            var organisation = await db.Organisations.SingleAsync(o => o.Id == actor.OrganisationId).ConfigureAwait(false);
            var before = organisation.EntraTenantId;
            organisation.EntraTenantId = tenant;
            await db.SaveChangesAsync().ConfigureAwait(false);
            var ended = await db.Users.Where(u => u.OrganisationId == actor.OrganisationId && u.EntraTenantId != null && u.EntraTenantId != tenant)
                .ExecuteUpdateAsync(ClearLink).ConfigureAwait(false);
            return (before, ended);
        }).ConfigureAwait(false);
        await audit.RecordAsync(actor, AuditActions.EntraTenantSet, AuditSubjects.Organisation(actor.OrganisationId!.Value),
            new { from = previous, to = tenant, endedLinks = unlinked }).ConfigureAwait(false);
        return EntraSettingOutcome.Saved;
    }

    private static void ClearLink(Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<PortalUser> set) => set
        .SetProperty(u => u.EntraTenantId, (string?)null)
        .SetProperty(u => u.EntraObjectId, (string?)null)
        .SetProperty(u => u.EntraUserName, (string?)null);

    private async Task<EntraSettingOutcome> CheckRepresentativeAsync(Actor actor, string? code, string purpose)
    {
        if (!actor.IsRepresentative || actor.Support is not null)
        {
            return EntraSettingOutcome.NotPermitted;
        }

        if (!await codes.VerifyOnceAsync(actor.UserId, code).ConfigureAwait(false))
        {
            await audit.RecordAsync(actor, AuditActions.SecondFactorFailed, AuditSubjects.User(actor.UserName), new { purpose }).ConfigureAwait(false);
            return EntraSettingOutcome.CodeWrong;
        }

        return EntraSettingOutcome.Saved;
    }

    /// <summary>What the account page shows: the organisation's tenant and this account's link.</summary>
    public Task<EntraState> StateAsync(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return data.RunAsync(async db => new EntraState(
            await db.Organisations.Where(o => o.Id == actor.OrganisationId).Select(o => o.EntraTenantId).SingleOrDefaultAsync().ConfigureAwait(false),
            await db.Users.Where(u => u.Id == actor.UserId && u.EntraObjectId != null).Select(u => u.EntraUserName ?? u.EntraObjectId).SingleOrDefaultAsync().ConfigureAwait(false)));
    }
}

/// <param name="LinkedAs">The linked Entra account's name (or object id), null when not linked.</param>
public sealed record EntraState(string? TenantId, string? LinkedAs);

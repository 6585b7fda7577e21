using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;

namespace Qtsp.Portal.Features.Account;

/// <summary>The account whose authenticator staff may reset (an applicant's sign-in account).</summary>
public sealed record ResettableAccount(string UserId, string UserName, bool HasAuthenticator);

/// <summary>
/// A lost authenticator, reset by staff (an RA operator or an administrator, outside a support session) who confirm with a
/// fresh code from their own authenticator: the account's key and recovery codes are replaced by nothing anyone knows,
/// the security stamp changes and its sign-ins end at once, the holder is mailed and sets up a new authenticator
/// at the next sign-in. Refusals and the reset are audited.
/// </summary>
public sealed class AuthenticatorReset(IServiceScopeFactory scopes, OneTimeCodes codes, AuditTrail audit, DataAccess data, MailOutbox outbox, SignInSessions sessions)
{
    public const string NotPermitted = "AuthenticatorReset.NotPermitted";
    public const string CodeRequired = "Support.Elevation.CodeRequired";
    public const string CodeWrong = "Support.Elevation.CodeWrong";
    public const string NoAccount = "AuthenticatorReset.NoAccount";
    public const string MailKind = "authenticator-reset";

    public static bool MayReset(Actor? actor) =>
        actor is { Support: null } && (actor.IsInRole(PortalRoles.RaOperator) || actor.IsInRole(PortalRoles.Admin));

    /// <summary>The sign-in account of applicant <paramref name="applicantId"/>, for staff who may reset it; null otherwise.</summary>
    public async Task<ResettableAccount?> AccountOfApplicantAsync(Actor? actor, long applicantId)
    {
        if (!MayReset(actor))
        {
            return null;
        }

        var account = await data.RunAsync(db => db.Users.AsNoTracking().Where(u => u.ApplicantId == applicantId)
            .Select(u => new { u.Id, u.UserName, u.TwoFactorEnabled }).FirstOrDefaultAsync()).ConfigureAwait(false);
        return account is null ? null : new ResettableAccount(account.Id, account.UserName ?? account.Id, account.TwoFactorEnabled);
    }

    public async Task<Outcome> ResetAsync(Actor actor, string accountUserId, string? staffCode)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var account = await users.FindByIdAsync(accountUserId).ConfigureAwait(false);
        var subject = AuditSubjects.User(account?.UserName ?? accountUserId);
        if (!MayReset(actor) || account?.Id == actor.UserId)
        {
            // Nobody resets their own authenticator with a code from it: a second staff member does.
            await audit.RecordAsync(actor, AuditActions.AuthenticatorResetRefused, subject, new { reason = "no-permission" }).ConfigureAwait(false);
            return Outcome.Refused(NotPermitted);
        }

        if (account is null)
        {
            return Outcome.Refused(NoAccount);
        }

        if (TotpCode.Normalize(staffCode) is not { } code)
        {
            await audit.RecordAsync(actor, AuditActions.AuthenticatorResetRefused, subject, new { reason = "no-code" }).ConfigureAwait(false);
            return Outcome.Refused(CodeRequired);
        }

        if (!await codes.VerifyOnceAsync(actor.UserId, code).ConfigureAwait(false))
        {
            await audit.RecordAsync(actor, AuditActions.AuthenticatorResetRefused, subject, new { reason = "wrong-code" }).ConfigureAwait(false);
            return Outcome.Refused(CodeWrong);
        }

        // A new random key nobody has seen (the enrolment shows it), no recovery codes, the second factor off until
        // enrolled again, and a new security stamp.
        Check(await users.ResetAuthenticatorKeyAsync(account).ConfigureAwait(false));
        Check(await users.SetTwoFactorEnabledAsync(account, false).ConfigureAwait(false));
        await users.GenerateNewTwoFactorRecoveryCodesAsync(account, 0).ConfigureAwait(false);
        Check(await users.UpdateSecurityStampAsync(account).ConfigureAwait(false));
        // Whoever holds the lost authenticator and a sign-in of the account is out now, not at the next stamp check.
        var ended = await sessions.RevokeAllAsync(account.Id, SignInSessionEnd.Reset).ConfigureAwait(false);

        var mailed = !string.IsNullOrEmpty(account.Email);
        if (mailed)
        {
            await data.RunAsync(async db =>
            {
                outbox.Enqueue(db, MailKind, account.Email!, MailTexts.L["Mail.AuthenticatorReset.Subject"],
                    MailTexts.L["Mail.AuthenticatorReset.Body", account.UserName ?? "", actor.DisplayName]);
                await db.SaveChangesAsync().ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        await audit.RecordAsync(actor, AuditActions.AuthenticatorReset, subject, new { mailed, signInsEnded = ended }).ConfigureAwait(false);
        return Outcome.Success;
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Resetting the authenticator failed: {string.Join("; ", result.Errors.Select(e => e.Code))}");
        }
    }
}

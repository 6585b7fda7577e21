using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Revocation;

/// <summary>What the acting account confirms a revocation with.</summary>
public enum RevocationConfirmation
{
    /// <summary>A holder without an authenticator: the account password (counted against Identity's lock-out).</summary>
    AccountPassword,

    /// <summary>A fresh code from the account's own authenticator, each code once.</summary>
    AuthenticatorCode,

    /// <summary>In a support session: the staff member's permission and a fresh code from their authenticator (<see cref="SupportElevation"/>).</summary>
    SupportElevation,
}

/// <summary>A revocation as asked for: the RFC 5280 reason, for keyCompromise optionally since when, and the confirmation (password or code).</summary>
public sealed record RevocationInput(RevocationReason Reason, DateTime? InvalidityDateUtc = null, string? Confirmation = null)
{
    /// <summary>Never the password or code in logs.</summary>
    public override string ToString() => $"RevocationInput {{ Reason = {Reason}, InvalidityDateUtc = {InvalidityDateUtc} }}";
}

/// <summary>A certificate the actor may revoke, as the complaint preparation lists them.</summary>
public sealed record RevocableCertificate(long Id, string SerialNumber, string Subject, CertificateType Type, DateTime NotAfterUtc);

/// <summary>
/// Revocation by a signed-in account: the holder their own certificates, a company representative its organisation's
/// applicants', RA operators and administrators any; support staff only inside a customer's session and with elevation.
/// Each confirms again (<see cref="RevocationConfirmation"/>). Final: a revoked certificate stays revoked.
/// </summary>
public sealed class RevocationService(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit,
    SupportElevation elevation,
    OneTimeCodes codes,
    IServiceScopeFactory scopes,
    RevocationRecord record,
    TimeProvider time)
{
    public const string PasswordWrong = "Revocation.PasswordWrong";
    public const string CodeRequired = "Revocation.CodeRequired";
    public const string CodeWrong = "Revocation.CodeWrong";
    public const string AccountLocked = "Revocation.AccountLocked";

    public const string ReasonField = "Reason";
    public const string InvalidityDateField = "InvalidityDate";
    public const string ConfirmationField = "Confirmation";

    /// <summary>What <paramref name="actor"/> confirms a revocation with.</summary>
    public async Task<RevocationConfirmation> ConfirmationForAsync(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Support is not null)
        {
            return RevocationConfirmation.SupportElevation;
        }

        return PortalRoles.SecondFactorRequired(actor.Roles) || await codes.IsEnrolledAsync(actor.UserId).ConfigureAwait(false)
            ? RevocationConfirmation.AuthenticatorCode
            : RevocationConfirmation.AccountPassword;
    }

    public async Task<RevocationConfirmation> ConfirmationAsync() =>
        await ConfirmationForAsync(await current.RequireAsync().ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>
    /// Revokes the certificate. A certificate the actor may not revoke is refused and audited (<see cref="AccessRefusedException"/>);
    /// a wrong confirmation or invalid input comes back as the outcome; one revoked already succeeds without change.
    /// </summary>
    public Task<Outcome> RevokeAsync(long certificateId, RevocationInput input) => RevokeAsync([certificateId], input);

    /// <summary>Revokes several certificates with one confirmation (the certificates on a device returned with a complaint).</summary>
    public async Task<Outcome> RevokeAsync(IReadOnlyCollection<long> certificateIds, RevocationInput input)
    {
        ArgumentNullException.ThrowIfNull(certificateIds);
        ArgumentNullException.ThrowIfNull(input);
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var ids = certificateIds.Distinct().ToList();
        var certificates = await data.RunAsync(db => Revocable(db, actor).AsNoTracking()
            .Where(c => ids.Contains(c.Id))
            .Select(c => new { c.Id, c.Status, c.NotBeforeUtc, c.SerialNumber })
            .ToListAsync()).ConfigureAwait(false);
        var missing = ids.Where(id => certificates.All(c => c.Id != id)).ToList();
        if (missing.Count > 0)
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.Certificate(missing[0]), "revoke").ConfigureAwait(false);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var errors = certificates.SelectMany(c => Problems(input, c.NotBeforeUtc, now)).DistinctBy(e => (e.Field, e.MessageKey)).ToList();
        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        var toRevoke = certificates.Where(c => c.Status == CertificateStatus.Issued).ToList();
        if (toRevoke.Count == 0)
        {
            return Outcome.Success; // final, and said once
        }

        var subject = AuditSubjects.Certificate(toRevoke[0].Id);
        if (await ConfirmAsync(actor, input.Confirmation, subject, string.Join(", ", toRevoke.Select(c => c.SerialNumber))).ConfigureAwait(false) is { } refusal)
        {
            return Outcome.Refused(refusal);
        }

        foreach (var certificate in toRevoke)
        {
            await record.RevokeAsync(actor, certificate.Id, input.Reason, input.Reason == RevocationReason.KeyCompromise ? input.InvalidityDateUtc : null,
                RevocationRecord.ViaAccount).ConfigureAwait(false);
        }

        return Outcome.Success;
    }

    /// <summary>Of <paramref name="ids"/>, the valid certificates the actor may revoke (the complaint preparation offers these).</summary>
    public async Task<IReadOnlyList<RevocableCertificate>> RevocableAsync(IReadOnlyCollection<long> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        return await data.RunAsync<IReadOnlyList<RevocableCertificate>>(async db => await Revocable(db, actor).AsNoTracking()
            .Where(c => ids.Contains(c.Id) && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now)
            .OrderBy(c => c.Id)
            .Select(c => new RevocableCertificate(c.Id, c.SerialNumber, c.Subject, c.Type, c.NotAfterUtc))
            .ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The valid certificates of a binding's holder on its device that the actor may revoke (offered before the binding's cancellation).</summary>
    public async Task<IReadOnlyList<RevocableCertificate>> RevocableOnBindingAsync(long bindingId)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        return await data.RunAsync<IReadOnlyList<RevocableCertificate>>(async db => await Revocable(db, actor).AsNoTracking()
            .Where(c => db.DeviceBindings.Any(b => b.Id == bindingId && b.ApplicantId == c.ApplicantId && b.DeviceId == c.DeviceId)
                && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now)
            .OrderBy(c => c.Id)
            .Select(c => new RevocableCertificate(c.Id, c.SerialNumber, c.Subject, c.Type, c.NotAfterUtc))
            .ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>The holder chose not to revoke the certificates on a device before returning it: recorded.</summary>
    public async Task DeclineAsync(string deviceSerial, IReadOnlyList<RevocableCertificate> offered)
    {
        ArgumentNullException.ThrowIfNull(deviceSerial);
        ArgumentNullException.ThrowIfNull(offered);
        var actor = await current.RequireAsync().ConfigureAwait(false);
        await audit.RecordAsync(actor, AuditActions.CertificateRevocationDeclined, AuditSubjects.DeviceSerial(deviceSerial),
            new { device = deviceSerial, certificates = offered.Select(c => c.SerialNumber).ToArray() }).ConfigureAwait(false);
    }

    /// <summary>The input's problems: a reason the portal knows; an invalidity date only for keyCompromise, not in the future, not before the certificate's validity.</summary>
    public static IReadOnlyList<FieldError> Problems(RevocationInput input, DateTime notBeforeUtc, DateTime nowUtc)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<FieldError>();
        if (!Enum.IsDefined(input.Reason))
        {
            errors.Add(new FieldError(ReasonField, InputRules.Required));
        }

        if (input.InvalidityDateUtc is { } invalidity)
        {
            if (input.Reason != RevocationReason.KeyCompromise)
            {
                errors.Add(new FieldError(InvalidityDateField, "Revocation.InvalidityDate.OnlyKeyCompromise"));
            }
            else if (invalidity > nowUtc)
            {
                errors.Add(new FieldError(InvalidityDateField, "Revocation.InvalidityDate.Future"));
            }
            else if (invalidity < notBeforeUtc)
            {
                errors.Add(new FieldError(InvalidityDateField, "Revocation.InvalidityDate.BeforeValidity"));
            }
        }

        return errors;
    }

    /// <summary>Certificates the actor may revoke (RA operators and administrators any, outside a support session).</summary>
    public static IQueryable<Certificate> Revocable(PortalDbContext db, Actor actor) =>
        actor.Support is null && (actor.IsInRole(PortalRoles.Admin) || actor.IsInRole(PortalRoles.RaOperator))
            ? db.Certificates
            : db.Certificates.RevocableBy(db.Applicants, actor);

    /// <summary>Null when the confirmation holds; otherwise the message key of the refusal (audited).</summary>
    private async Task<string?> ConfirmAsync(Actor actor, string? confirmation, string subject, string serialNumber)
    {
        var kind = await ConfirmationForAsync(actor).ConfigureAwait(false);
        if (kind == RevocationConfirmation.SupportElevation)
        {
            return await elevation.CheckAsync(actor, confirmation, "certificate.revoke", subject).ConfigureAwait(false);
        }

        string? refusal;
        if (string.IsNullOrEmpty(confirmation))
        {
            refusal = kind == RevocationConfirmation.AuthenticatorCode ? CodeRequired : PasswordWrong;
        }
        else if (kind == RevocationConfirmation.AuthenticatorCode)
        {
            refusal = await codes.VerifyOnceAsync(actor.UserId, confirmation).ConfigureAwait(false) ? null : CodeWrong;
        }
        else
        {
            refusal = await CheckPasswordAsync(actor.UserId, confirmation).ConfigureAwait(false);
        }

        if (refusal is not null)
        {
            await audit.RecordAsync(actor, AuditActions.CertificateRevocationRefused, subject, new { serialNumber, reason = refusal }).ConfigureAwait(false);
        }

        return refusal;
    }

    private async Task<string?> CheckPasswordAsync(string userId, string password)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(userId).ConfigureAwait(false);
        if (user is null || await users.IsLockedOutAsync(user).ConfigureAwait(false))
        {
            return AccountLocked;
        }

        if (password.Length > AccountSetup.PasswordMaxLength || !await users.CheckPasswordAsync(user, password).ConfigureAwait(false))
        {
            await users.AccessFailedAsync(user).ConfigureAwait(false);
            return await users.IsLockedOutAsync(user).ConfigureAwait(false) ? AccountLocked : PasswordWrong;
        }

        await users.ResetAccessFailedCountAsync(user).ConfigureAwait(false);
        return null;
    }
}

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Audit;

/// <summary>
/// Writes the audit trail: who acted (the staff member in a support session), on whose behalf, what, about what, when,
/// from where, and further facts (never secrets). A change and its audit event are saved together.
/// </summary>
public sealed class AuditTrail(TimeProvider time, RequestOrigin origin, DataAccess data)
{
    public const string Anonymous = "(anonymous)";

    /// <summary>Repeated identical refusals (a page rendered twice, a retried request) are recorded once per this window.</summary>
    public static readonly TimeSpan RefusalWindow = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions DetailsJson = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>Adds an event to <paramref name="db"/>; it is saved with the change it records.</summary>
    public AuditEvent Add(PortalDbContext db, Actor? actor, string action, string? subject, object? details = null)
    {
        var audit = New(actor?.AuditActor ?? Anonymous, actor?.AuditOnBehalfOf, actor?.Support?.SessionId, action, subject, details);
        db.AuditEvents.Add(audit);
        return audit;
    }

    /// <summary>An event of the system itself (a job), named by <paramref name="systemActor"/>, saved with the change it records.</summary>
    public AuditEvent Add(PortalDbContext db, string systemActor, string action, string? subject, object? details = null)
    {
        var audit = New(systemActor, null, null, action, subject, details);
        db.AuditEvents.Add(audit);
        return audit;
    }

    /// <summary>Records an event on its own (no change goes with it: a sign-in, a refusal).</summary>
    public Task RecordAsync(Actor? actor, string action, string? subject, object? details = null) =>
        RecordAsync(actor?.AuditActor ?? Anonymous, actor?.AuditOnBehalfOf, actor?.Support?.SessionId, action, subject, details);

    public Task RecordAsync(string actor, string? onBehalfOf, long? supportSessionId, string action, string? subject, object? details = null) =>
        data.RunAsync(async db =>
        {
            db.AuditEvents.Add(New(actor, onBehalfOf, supportSessionId, action, subject, details));
            await db.SaveChangesAsync().ConfigureAwait(false);
        });

    /// <summary>Records the refusal (<see cref="RecordRefusalAsync"/>) and gives the exception that tells the page: <c>throw await audit.RefuseAsync(…)</c>.</summary>
    public async Task<AccessRefusedException> RefuseAsync(Actor? actor, string subject, string operation)
    {
        await RecordRefusalAsync(actor, subject, operation).ConfigureAwait(false);
        return new AccessRefusedException(subject);
    }

    /// <summary>Records that <paramref name="actor"/> was refused <paramref name="subject"/> (once per <see cref="RefusalWindow"/>).</summary>
    public Task RecordRefusalAsync(Actor? actor, string subject, string operation) => data.RunAsync(async db =>
    {
        var name = actor?.AuditActor ?? Anonymous;
        var since = time.GetUtcNow().UtcDateTime - RefusalWindow;
        var recorded = await db.AuditEvents.AnyAsync(a => a.Action == AuditActions.AccessRefused && a.Actor == name && a.Subject == subject && a.OccurredAtUtc >= since)
            .ConfigureAwait(false);
        if (!recorded)
        {
            db.AuditEvents.Add(New(name, actor?.AuditOnBehalfOf, actor?.Support?.SessionId, AuditActions.AccessRefused, subject, new { operation }));
            await db.SaveChangesAsync().ConfigureAwait(false);
        }
    });

    private AuditEvent New(string actor, string? onBehalfOf, long? supportSessionId, string action, string? subject, object? details) => new()
    {
        OccurredAtUtc = time.GetUtcNow().UtcDateTime,
        Actor = Truncate(actor, 256),
        OnBehalfOf = onBehalfOf is null ? null : Truncate(onBehalfOf, 256),
        SupportSessionId = supportSessionId,
        Action = action,
        Subject = subject is null ? null : Truncate(subject, 256),
        SourceAddress = origin.Address is null ? null : Truncate(origin.Address, 64),
        Details = details is null ? null : JsonSerializer.Serialize(details, details.GetType(), DetailsJson),
    };

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}

/// <summary>The audit trail's action names.</summary>
public static class AuditActions
{
    public const string AccessRefused = "access.refused";
    public const string SignedIn = "account.signed-in";
    public const string SignInFailed = "account.sign-in-failed";
    public const string TokenSignInRefused = "account.token-sign-in-refused";
    public const string EntraSignInRefused = "account.entra-sign-in-refused";
    public const string EntraLinked = "account.entra-linked";
    public const string EntraLinkRefused = "account.entra-link-refused";
    public const string EntraUnlinked = "account.entra-unlinked";
    public const string EntraTenantSet = "organisation.entra-tenant-set";
    public const string LockedOut = "account.locked-out";
    public const string SecondFactorFailed = "account.second-factor-failed";
    public const string SecondFactorEnrolled = "account.second-factor-enrolled";
    public const string SignedOut = "account.signed-out";
    public const string SessionExpired = "account.session-expired";
    public const string PasswordChanged = "account.password-changed";
    public const string PasswordChangeRefused = "account.password-change-refused";
    public const string RecoveryCodesGenerated = "account.recovery-codes-generated";
    public const string RecoveryCodeUsed = "account.recovery-code-used";
    public const string RecoveryCodeFailed = "account.recovery-code-failed";
    public const string AuthenticatorReset = "account.authenticator-reset";
    public const string AuthenticatorResetRefused = "account.authenticator-reset-refused";
    public const string ApplicantRegistered = "applicant.registered";
    public const string ApplicantChanged = "applicant.changed";
    public const string ApplicantBlocked = "applicant.blocked";
    public const string ApplicantUnblocked = "applicant.unblocked";
    public const string ApplicantEmailPending = "applicant.email-pending";
    public const string ApplicantEmailConfirmed = "applicant.email-confirmed";
    public const string ApplicantEmailDiscarded = "applicant.email-discarded";
    public const string RequestPrepared = "request.prepared";
    public const string RequestSubmitted = "request.submitted";
    public const string RequestRefused = "request.refused";
    public const string IdentityVerified = "request.identity-verified";
    public const string RequestRejected = "request.rejected";
    public const string RequestWithdrawn = "request.withdrawn";
    public const string CertificateIssued = "certificate.issued";
    public const string IssuanceRefused = "certificate.issuance-refused";
    public const string CertificateAccepted = "certificate.accepted";
    public const string DeviceCertificationEnded = "device.certification-ended";
    public const string CertificateRevoked = "certificate.revoked";
    public const string CertificateRevocationRefused = "certificate.revocation-refused";
    public const string CertificateRevocationDeclined = "certificate.revocation-declined";
    public const string RevocationPasswordRefused = "certificate.revocation-password-refused";
    public const string BindingCancelled = "binding.cancelled";
    public const string BindingCancellationRefused = "binding.cancellation-refused";
    public const string TokenDocumentSigned = "token.document.signed";
    public const string SupportSessionStarted = "support.session.started";
    public const string SupportSessionEnded = "support.session.ended";
    public const string SupportSessionExpired = "support.session.expired";
    public const string SupportPageViewed = "support.page.viewed";
    public const string SupportElevationRefused = "support.elevation.refused";
    public const string SupportElevationConfirmed = "support.elevation.confirmed";
    public const string TokenLogin = "token.login";
    public const string TokenPinChanged = "token.pin.changed";
    public const string TokenPinUnblocked = "token.pin.unblocked";
    public const string TokenRequestCreated = "token.request.created";
    public const string TokenCertificateInstalled = "token.certificate.installed";
    public const string TokenPkcs12Imported = "token.pkcs12.imported";
    public const string TokenObjectsDeleted = "token.objects.deleted";
    public const string TokenComplaintPrepared = "token.complaint.prepared";
    public const string TokenRenamed = "token.renamed";
    public const string ExpiryReminderSent = "certificate.expiry-reminder-sent";
    public const string ExpiryDigestSent = "certificate.expiry-digest-sent";
    public const string RenewalLinkOpened = "certificate.renewal-link-opened";
    public const string RenewalLinkRefused = "certificate.renewal-link-refused";
    public const string RenewalCodeBatchCreated = "renewal-code.batch-created";
    public const string RenewalCodeRefused = "renewal-code.refused";
    public const string RenewalApplicationSigned = "renewal-code.application-signed";
    public const string RenewalApplicationRefused = "renewal-code.application-refused";
    public const string RenewalContactConfirmed = "renewal-code.contact-confirmed";
    public const string RenewalCodeRedeemed = "renewal-code.redeemed";
    public const string CloudKeyGenerated = "cloud-key.generated";
    public const string CloudSignatureMade = "cloud-key.signed";
    public const string CloudSignatureRefused = "cloud-key.signature-refused";
}

public static class AuditSubjects
{
    public static string Applicant(long id) => $"applicant:{id}";

    public static string Certificate(long id) => $"certificate:{id}";

    public static string Binding(long id) => $"binding:{id}";

    public static string Device(long id) => $"device:{id}";

    /// <summary>A device on the user's PC, known by its serial number (it may not be on record in the portal).</summary>
    public static string DeviceSerial(string serialNumber) => $"device-serial:{serialNumber}";

    public static string Request(long id) => $"request:{id}";

    public static string User(string userName) => $"user:{userName}";

    public static string SupportSession(long id) => $"support-session:{id}";

    public static string Organisation(long id) => $"organisation:{id}";

    public static string RenewalCodeBatch(long id) => $"renewal-code-batch:{id}";
}

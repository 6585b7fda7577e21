using System.Text.Json;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Features.Audit;

/// <summary>
/// An audit event as a sentence in the reader's language: a text key per action, formatted with the facts the event's
/// details hold. An action without a text of its own reads as a generic "other event"; the stored JSON is never shown.
/// </summary>
public sealed class AuditSentences(IStringLocalizer<Strings> l, PortalTime time)
{
    public const string Unknown = "Audit.Event.Unknown";

    /// <summary>The text key of each action the portal writes.</summary>
    public static IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [AuditActions.AccessRefused] = "Audit.Event.AccessRefused",
        [AuditActions.SignedIn] = "Audit.Event.SignedIn",
        [AuditActions.SignInFailed] = "Audit.Event.SignInFailed",
        [AuditActions.TokenSignInRefused] = "Audit.Event.TokenSignInRefused",
        [AuditActions.EntraSignInRefused] = "Audit.Event.EntraSignInRefused",
        [AuditActions.EntraLinked] = "Audit.Event.EntraLinked",
        [AuditActions.EntraLinkRefused] = "Audit.Event.EntraLinkRefused",
        [AuditActions.EntraUnlinked] = "Audit.Event.EntraUnlinked",
        [AuditActions.EntraTenantSet] = "Audit.Event.EntraTenantSet",
        [AuditActions.LockedOut] = "Audit.Event.LockedOut",
        [AuditActions.SecondFactorFailed] = "Audit.Event.SecondFactorFailed",
        [AuditActions.SecondFactorEnrolled] = "Audit.Event.SecondFactorEnrolled",
        [AuditActions.SignedOut] = "Audit.Event.SignedOut",
        [AuditActions.SessionExpired] = "Audit.Event.SessionExpired",
        [AuditActions.PasswordChanged] = "Audit.Event.PasswordChanged",
        [AuditActions.PasswordChangeRefused] = "Account.Audit.PasswordChangeRefused",
        [AuditActions.RecoveryCodesGenerated] = "Audit.Event.RecoveryCodesGenerated",
        [AuditActions.RecoveryCodeUsed] = "Audit.Event.RecoveryCodeUsed",
        [AuditActions.RecoveryCodeFailed] = "Audit.Event.RecoveryCodeFailed",
        [AuditActions.AuthenticatorReset] = "Audit.Event.AuthenticatorReset",
        [AuditActions.AuthenticatorResetRefused] = "Audit.Event.AuthenticatorResetRefused",
        [AuditActions.ApplicantRegistered] = "Audit.Event.ApplicantRegistered",
        [AuditActions.ApplicantChanged] = "Audit.Event.ApplicantChanged",
        [AuditActions.ApplicantBlocked] = "Audit.Event.ApplicantBlocked",
        [AuditActions.ApplicantUnblocked] = "Audit.Event.ApplicantUnblocked",
        [AuditActions.ApplicantEmailPending] = "Audit.Event.ApplicantEmailPending",
        [AuditActions.ApplicantEmailConfirmed] = "Audit.Event.ApplicantEmailConfirmed",
        [AuditActions.ApplicantEmailDiscarded] = "Audit.Event.ApplicantEmailDiscarded",
        [AuditActions.RequestPrepared] = "Audit.Event.RequestPrepared",
        [AuditActions.RequestSubmitted] = "Audit.Event.RequestSubmitted",
        [AuditActions.RequestRefused] = "Audit.Event.RequestRefused",
        [AuditActions.IdentityVerified] = "Audit.Event.IdentityVerified",
        [AuditActions.RequestRejected] = "Audit.Event.RequestRejected",
        [AuditActions.RequestWithdrawn] = "Audit.Event.RequestWithdrawn",
        [AuditActions.CertificateIssued] = "Audit.Event.CertificateIssued",
        [AuditActions.IssuanceRefused] = "Audit.Event.IssuanceRefused",
        [AuditActions.CertificateAccepted] = "Audit.Event.CertificateAccepted",
        [AuditActions.DeviceCertificationEnded] = "Audit.Event.DeviceCertificationEnded",
        [AuditActions.CertificateRevoked] = "Audit.Event.CertificateRevoked",
        [AuditActions.CertificateRevocationRefused] = "Audit.Event.CertificateRevocationRefused",
        [AuditActions.CertificateRevocationDeclined] = "Audit.Event.CertificateRevocationDeclined",
        [AuditActions.RevocationPasswordRefused] = "Audit.Event.RevocationPasswordRefused",
        [AuditActions.BindingCancelled] = "Audit.Event.BindingCancelled",
        [AuditActions.BindingCancellationRefused] = "Audit.Event.BindingCancellationRefused",
        [AuditActions.TokenDocumentSigned] = "Audit.Event.TokenDocumentSigned",
        [AuditActions.SupportSessionStarted] = "Audit.Event.SupportSessionStarted",
        [AuditActions.SupportSessionEnded] = "Audit.Event.SupportSessionEnded",
        [AuditActions.SupportSessionExpired] = "Audit.Event.SupportSessionExpired",
        [AuditActions.SupportPageViewed] = "Audit.Event.SupportPageViewed",
        [AuditActions.SupportElevationRefused] = "Audit.Event.SupportElevationRefused",
        [AuditActions.SupportElevationConfirmed] = "Audit.Event.SupportElevationConfirmed",
        [AuditActions.TokenLogin] = "Audit.Event.TokenLogin",
        [AuditActions.TokenPinChanged] = "Audit.Event.TokenPinChanged",
        [AuditActions.TokenPinUnblocked] = "Audit.Event.TokenPinUnblocked",
        [AuditActions.TokenRequestCreated] = "Audit.Event.TokenRequestCreated",
        [AuditActions.TokenCertificateInstalled] = "Audit.Event.TokenCertificateInstalled",
        [AuditActions.TokenPkcs12Imported] = "Audit.Event.TokenPkcs12Imported",
        [AuditActions.TokenObjectsDeleted] = "Audit.Event.TokenObjectsDeleted",
        [AuditActions.TokenComplaintPrepared] = "Audit.Event.TokenComplaintPrepared",
        [AuditActions.TokenRenamed] = "Audit.Event.TokenRenamed",
        [AuditActions.ExpiryReminderSent] = "Audit.Event.ExpiryReminderSent",
        [AuditActions.ExpiryDigestSent] = "Audit.Event.ExpiryDigestSent",
        [AuditActions.RenewalLinkOpened] = "Audit.Event.RenewalLinkOpened",
        [AuditActions.RenewalLinkRefused] = "Audit.Event.RenewalLinkRefused",
        [AuditActions.RenewalCodeBatchCreated] = "Audit.Event.RenewalCodeBatchCreated",
        [AuditActions.RenewalCodeRefused] = "Audit.Event.RenewalCodeRefused",
        [AuditActions.RenewalApplicationSigned] = "Audit.Event.RenewalApplicationSigned",
        [AuditActions.RenewalApplicationRefused] = "Audit.Event.RenewalApplicationRefused",
        [AuditActions.RenewalContactConfirmed] = "Audit.Event.RenewalContactConfirmed",
        [AuditActions.RenewalCodeRedeemed] = "Audit.Event.RenewalCodeRedeemed",
        [AuditActions.CloudKeyGenerated] = "Audit.Event.CloudKeyGenerated",
        [AuditActions.CloudSignatureMade] = "Audit.Event.CloudSignatureMade",
        [AuditActions.CloudSignatureRefused] = "Audit.Event.CloudSignatureRefused",
    };

    /// <summary>The applicant fields a change names, as their form labels.</summary>
    private static readonly Dictionary<string, string> FieldKeys = new(StringComparer.Ordinal)
    {
        ["FirstName"] = "Applicants.FirstName",
        ["LastName"] = "Applicants.LastName",
        ["Email"] = "Applicants.Email",
        ["Phone"] = "Applicants.Phone",
        ["EmployeeNumber"] = "Applicants.EmployeeNumber",
        ["DateOfBirth"] = "Applicants.DateOfBirth",
        ["PersonalIdentifier"] = "Applicants.PersonalIdentifier",
        ["MultiYearAllowed"] = "Applicants.MultiYear",
    };

    public string Describe(AuditEvent audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        if (!Keys.TryGetValue(audit.Action, out var key))
        {
            return l[Unknown];
        }

        using var details = Parse(audit.Details);
        var facts = details?.RootElement ?? default;
        return l[key, Arguments(audit, facts)];
    }

    private object[] Arguments(AuditEvent audit, JsonElement facts) => audit.Action switch
    {
        AuditActions.ApplicantRegistered => [Text(facts, "FirstName"), Text(facts, "LastName")],
        AuditActions.ApplicantChanged => [string.Join(", ", Strings(facts, "changed").Select(f => FieldKeys.TryGetValue(f, out var k) ? l[k].Value : l["Audit.Field.Other"].Value).Distinct())],
        AuditActions.ApplicantBlocked => [Text(facts, "reason")],
        AuditActions.RequestPrepared =>
        [
            Text(facts, "requestNumber"),
            Enum.TryParse<CertificateType>(Text(facts, "type"), out var type) && Enum.IsDefined(type) ? l[TypeKey(type)].Value : "",
            Text(facts, "subjectName"),
            Number(facts, "validityMonths"),
        ],
        AuditActions.RequestSubmitted => [Text(facts, "requestNumber"), Text(facts, "device")],
        AuditActions.RequestRefused =>
        [
            audit.Subject is { } refusedFor && refusedFor.StartsWith("device-serial:", StringComparison.Ordinal) ? refusedFor["device-serial:".Length..] : "—",
            Enum.TryParse<DeviceRequestRefusal>(Text(facts, "reason"), out var reason) && Enum.IsDefined(reason) ? l[$"Requests.Refusal.{reason}"].Value : "—",
        ],
        AuditActions.IdentityVerified => [Text(facts, "requestNumber"), Text(facts, "document")],
        AuditActions.RequestRejected or AuditActions.RequestWithdrawn => [Text(facts, "requestNumber"), Text(facts, "reason")],
        AuditActions.CertificateIssued => [Text(facts, "requestNumber"), Text(facts, "serial")],
        AuditActions.IssuanceRefused =>
        [
            Text(facts, "requestNumber"),
            Enum.TryParse<IssuanceRefusal>(Text(facts, "reason"), out var notIssued) && Enum.IsDefined(notIssued)
                ? l[$"Issuance.Refusal.{notIssued}", Text(facts, "ca")].Value
                : "—",
        ],
        AuditActions.CertificateAccepted => [Text(facts, "serial")],
        AuditActions.DeviceCertificationEnded => [Text(facts, "device"), Number(facts, "revoked")],
        AuditActions.CertificateRevoked => [Text(facts, "serialNumber"), l[RevocationReasonTexts.Key(Text(facts, "reason"))].Value],
        AuditActions.CertificateRevocationRefused => [Text(facts, "serialNumber")],
        AuditActions.CertificateRevocationDeclined => [Text(facts, "device"), string.Join(", ", Strings(facts, "certificates"))],
        AuditActions.RevocationPasswordRefused => [facts.ValueKind == JsonValueKind.Object && facts.TryGetProperty("locked", out var locked) && locked.ValueKind == JsonValueKind.True
            ? l["Audit.RevocationPassword.Locked"].Value : l["Audit.RevocationPassword.Wrong"].Value],
        AuditActions.BindingCancelled => [Text(facts, "device"), Text(facts, "reason")],
        AuditActions.BindingCancellationRefused => [Text(facts, "device"), Text(facts, "reference")],
        AuditActions.SupportSessionStarted =>
        [
            Text(facts, "customer"),
            Text(facts, "reason"),
            facts.ValueKind == JsonValueKind.Object && facts.TryGetProperty("expiresAtUtc", out var until) && until.TryGetDateTimeOffset(out var instant)
                ? time.DateTime(instant, System.Globalization.CultureInfo.CurrentCulture)
                : "—",
        ],
        AuditActions.SupportPageViewed => [audit.Subject ?? ""],
        AuditActions.ExpiryReminderSent => [Text(facts, "serial"), Number(facts, "days")],
        AuditActions.ExpiryDigestSent => [Number(facts, "certificates")],
        AuditActions.RenewalLinkOpened => [Text(facts, "serial")],
        AuditActions.RenewalLinkRefused =>
        [
            Enum.TryParse<Reminders.RenewalLinkRefusal>(Text(facts, "reason"), out var linkRefusal) && Enum.IsDefined(linkRefusal)
                ? l[$"Reminders.Link.{linkRefusal}"].Value
                : "—",
        ],
        AuditActions.RenewalCodeBatchCreated => [Text(facts, "reference"), Number(facts, "count"), Number(facts, "term"), MediumText(Text(facts, "medium"))],
        AuditActions.RenewalCodeRefused =>
        [
            Enum.TryParse<RenewalCodes.RenewalCodeRefusal>(Text(facts, "reason"), out var codeRefusal) && Enum.IsDefined(codeRefusal)
                ? l[RenewalCodes.RenewalCodeRedemption.RefusalKey(codeRefusal)].Value
                : "—",
        ],
        AuditActions.RenewalApplicationSigned => [Text(facts, "reference"), Text(facts, "serial")],
        AuditActions.RenewalApplicationRefused => [Text(facts, "reference"), Text(facts, "reason")],
        AuditActions.RenewalContactConfirmed => [Text(facts, "reference")],
        AuditActions.RenewalCodeRedeemed => [Text(facts, "batch"), Text(facts, "serial")],
        AuditActions.CloudKeyGenerated or AuditActions.CloudSignatureMade or AuditActions.CloudSignatureRefused => [Text(facts, "serial")],
        AuditActions.TokenLogin or AuditActions.TokenPinChanged or AuditActions.TokenPinUnblocked or AuditActions.TokenRequestCreated
            or AuditActions.TokenCertificateInstalled or AuditActions.TokenPkcs12Imported or AuditActions.TokenObjectsDeleted
            or AuditActions.TokenComplaintPrepared or AuditActions.TokenRenamed or AuditActions.TokenDocumentSigned =>
        [
            audit.Subject is { } subject && subject.StartsWith("device-serial:", StringComparison.Ordinal) ? subject["device-serial:".Length..] : "—",
            Text(facts, "outcome") == "Succeeded" ? l["Audit.Outcome.Succeeded"].Value : l["Audit.Outcome.Failed"].Value,
        ],
        _ => [],
    };

    private string MediumText(string medium) =>
        Enum.TryParse<KeyMedium>(medium, out var parsed) && Enum.IsDefined(parsed) ? l[$"RenewalCodes.Medium.{parsed}"].Value : "—";

    private static string TypeKey(CertificateType type) => type switch
    {
        CertificateType.Commercial => "Certificates.Type.Commercial",
        CertificateType.Seal => "Certificates.Type.Seal",
        _ => "Certificates.Type.Qualified",
    };

    private static JsonDocument? Parse(string? details)
    {
        if (string.IsNullOrWhiteSpace(details))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(details);
        }
        catch (JsonException)
        {
            return null; // a damaged record still reads as its sentence, with blanks
        }
    }

    private static string Text(JsonElement facts, string name) =>
        facts.ValueKind == JsonValueKind.Object && facts.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    private static int Number(JsonElement facts, string name) =>
        facts.ValueKind == JsonValueKind.Object && facts.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) ? number : 0;

    private static IEnumerable<string> Strings(JsonElement facts, string name) =>
        facts.ValueKind == JsonValueKind.Object && facts.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
            : [];
}

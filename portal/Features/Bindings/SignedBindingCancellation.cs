using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Resources;
using Qtsp.Shared.Bridge;
using static Qtsp.Portal.Infrastructure.Mail.MailTexts;

namespace Qtsp.Portal.Features.Bindings;

/// <summary>
/// The request a holder signs to cancel their binding to a device, as the portal prepared it. It lives in the page's
/// circuit between preparing and submitting; the browser never holds the text the portal verifies against.
/// </summary>
/// <param name="Revoked">The holder's valid certificates on the device, revoked together with the cancellation.</param>
public sealed record BindingCancellationDraft(
    long BindingId,
    long ApplicantId,
    string DeviceSerial,
    string Reference,
    byte[] Document,
    IReadOnlyList<RevocableCertificate> Revoked,
    RevocationReason RevocationReason,
    string Reason,
    DateTimeOffset PreparedAt)
{
    public string Text => Encoding.UTF8.GetString(Document);
}

/// <summary>
/// A holder without a representative cancels the binding of their person to a device themselves, with a request signed
/// by their certificate on the token (in place of the e-mail the CA's guide asks for). The portal prepares the text
/// (person, device, the certificates revoked with it, reason, date, a fresh reference), the agent signs it as CMS with the
/// key the holder chose, and the portal checks the signature, the signer's chain, status and ownership
/// (<see cref="SignedDocuments"/>) before it revokes the listed certificates and cancels the binding in one transaction.
/// Representatives and administrators cancel through <see cref="BindingService"/> instead.
/// </summary>
public sealed class SignedBindingCancellation(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit,
    MailOutbox outbox,
    SignedDocuments documents,
    RevocationRecord revocations,
    PortalTime portalTime,
    IStringLocalizer<Strings> l,
    TimeProvider time)
{
    public const string NotBound = "Bindings.Signed.NotBound";
    public const string Expired = "Bindings.Signed.Expired";
    public const string CertificatesChanged = "Bindings.Signed.CertificatesChanged";
    public const string ReasonField = "CancellationReason";

    /// <summary>How long a prepared request may wait for its signature.</summary>
    public static readonly TimeSpan DraftLifetime = TimeSpan.FromMinutes(15);

    /// <summary>The message key for a signature the portal does not accept.</summary>
    public static string RefusalKey(SignedDocumentRefusal refusal) => $"Bindings.Signed.Refusal.{refusal}";

    /// <summary>The holder's valid certificates on the device they are bound to; empty when not bound (or not a holder).</summary>
    public async Task<IReadOnlyList<RevocableCertificate>> CertificatesOnDeviceAsync(string deviceSerial)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (HolderOf(actor) is not { } applicantId)
        {
            return [];
        }

        var now = time.GetUtcNow().UtcDateTime;
        return await data.RunAsync(async db => await ActiveBinding(db, applicantId, deviceSerial).AnyAsync().ConfigureAwait(false)
            ? await ValidOnDevice(db, applicantId, deviceSerial, now).ConfigureAwait(false)
            : []).ConfigureAwait(false);
    }

    /// <summary>Prepares the request for the device the holder is bound to; its text is what the holder signs.</summary>
    public async Task<Outcome<BindingCancellationDraft>> PrepareAsync(string deviceSerial, string? reason, RevocationReason revocationReason)
    {
        ArgumentNullException.ThrowIfNull(deviceSerial);
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (HolderOf(actor) is not { } applicantId)
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.DeviceSerial(deviceSerial), "binding.cancel-signed").ConfigureAwait(false);
        }

        var errors = new List<FieldError>();
        InputRules.RequiredText(errors, ReasonField, reason, Applicant.ReasonMaxLength);
        if (!Enum.IsDefined(revocationReason) || revocationReason is RevocationReason.PrivilegeWithdrawn)
        {
            errors.Add(new FieldError(RevocationService.ReasonField, InputRules.Required));
        }

        if (errors.Count > 0)
        {
            return Outcome.Invalid<BindingCancellationDraft>(errors);
        }

        var now = time.GetUtcNow();
        var prepared = await data.RunAsync<(DeviceBinding Binding, IReadOnlyList<RevocableCertificate> Certificates)?>(async db =>
        {
            var binding = await ActiveBinding(db, applicantId, deviceSerial).Include(b => b.Applicant).Include(b => b.Device).AsNoTracking()
                .SingleOrDefaultAsync().ConfigureAwait(false);
            return binding is null ? null : (binding, await ValidOnDevice(db, applicantId, deviceSerial, now.UtcDateTime).ConfigureAwait(false));
        }).ConfigureAwait(false);
        if (prepared is not var (binding, certificates))
        {
            await audit.RecordRefusalAsync(actor, AuditSubjects.DeviceSerial(deviceSerial), "binding.cancel-signed").ConfigureAwait(false);
            return Outcome.Refused<BindingCancellationDraft>(NotBound);
        }

        var cleanReason = InputRules.Clean(reason)!;
        var reference = "BC-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var document = Document(binding, certificates, reference, revocationReason, cleanReason, now);
        return Outcome.Done(new BindingCancellationDraft(binding.Id, applicantId, binding.Device.SerialNumber, reference, document, certificates, revocationReason,
            cleanReason, now));
    }

    /// <summary>
    /// Checks the holder's signature over the draft and, when it holds, revokes the listed certificates and cancels the
    /// binding (one transaction), keeping the signed request as evidence. Every refusal is audited.
    /// </summary>
    public async Task<Outcome> SubmitAsync(BindingCancellationDraft draft, DocumentSigned signature)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(signature);
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var subject = AuditSubjects.Binding(draft.BindingId);
        if (HolderOf(actor) != draft.ApplicantId)
        {
            throw await audit.RefuseAsync(actor, subject, "binding.cancel-signed").ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        if (now - draft.PreparedAt > DraftLifetime)
        {
            return await RefuseAsync(actor, draft, Expired, null).ConfigureAwait(false);
        }

        var check = await documents.VerifyAsync(draft.Document, signature.Cms, draft.ApplicantId, draft.PreparedAt).ConfigureAwait(false);
        if (check.Signer is not { } signer)
        {
            return await RefuseAsync(actor, draft, RefusalKey(check.Refusal!.Value), check.Refusal).ConfigureAwait(false);
        }

        var (refusal, issuers) = await data.RunInTransactionAsync<(string? Refusal, List<string?> Issuers)>(async db =>
        {
            var binding = await db.DeviceBindings.Include(b => b.Device).Include(b => b.Applicant)
                .SingleOrDefaultAsync(b => b.Id == draft.BindingId && b.ApplicantId == draft.ApplicantId && b.CancelledAtUtc == null).ConfigureAwait(false);
            if (binding is null)
            {
                return (NotBound, []);
            }

            // The holder signed for these certificates: one issued meanwhile would stay valid on a device handed on.
            var valid = await ValidOnDevice(db, draft.ApplicantId, draft.DeviceSerial, now.UtcDateTime).ConfigureAwait(false);
            if (!valid.Select(c => c.Id).Order().SequenceEqual(draft.Revoked.Select(c => c.Id).Order()))
            {
                return (CertificatesChanged, []);
            }

            var issuers = new List<string?>();
            foreach (var certificate in draft.Revoked)
            {
                issuers.Add(await revocations.WriteAsync(db, actor, certificate.Id, draft.RevocationReason, null, RevocationRecord.ViaSignedRequest).ConfigureAwait(false));
            }

            binding.CancelledAtUtc = now.UtcDateTime;
            binding.CancelledBy = actor.AuditActor;
            binding.CancellationReason = draft.Reason;
            binding.CancellationDocument = draft.Text;
            binding.CancellationSignature = signature.Cms;
            audit.Add(db, actor, AuditActions.BindingCancelled, AuditSubjects.Applicant(binding.ApplicantId), new
            {
                binding = binding.Id,
                device = binding.Device.SerialNumber,
                reason = draft.Reason,
                via = RevocationRecord.ViaSignedRequest,
                draft.Reference,
                signer = signer.SerialNumber,
                documentSha256 = Convert.ToHexString(SHA256.HashData(draft.Document)),
            });
            outbox.Enqueue(db, "binding.cancelled", binding.Applicant.Email,
                L["Mail.BindingCancelled.Subject", binding.Device.SerialNumber],
                L["Mail.BindingCancelled.Body", binding.Applicant.DisplayName, binding.Device.SerialNumber]);
            await db.SaveChangesAsync().ConfigureAwait(false);
            return (null, issuers);
        }).ConfigureAwait(false);

        if (refusal is not null)
        {
            return await RefuseAsync(actor, draft, refusal, null).ConfigureAwait(false);
        }

        revocations.Published(issuers, draft.RevocationReason);
        return Outcome.Success;
    }

    /// <summary>A holder acting for themselves: never inside a support session (staff cannot sign with the customer's token).</summary>
    private static long? HolderOf(Actor actor) => actor.Support is null && actor.IsHolder ? actor.ApplicantId : null;

    private static IQueryable<DeviceBinding> ActiveBinding(PortalDbContext db, long applicantId, string deviceSerial) =>
        db.DeviceBindings.Where(b => b.ApplicantId == applicantId && b.CancelledAtUtc == null && b.Device.SerialNumber == deviceSerial);

    private static async Task<IReadOnlyList<RevocableCertificate>> ValidOnDevice(PortalDbContext db, long applicantId, string deviceSerial, DateTime now) =>
        await db.Certificates.AsNoTracking()
            .Where(c => c.ApplicantId == applicantId && c.Device != null && c.Device.SerialNumber == deviceSerial && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now)
            .OrderBy(c => c.Id)
            .Select(c => new RevocableCertificate(c.Id, c.SerialNumber, c.Subject, c.Type, c.NotAfterUtc))
            .ToListAsync().ConfigureAwait(false);

    private async Task<Outcome> RefuseAsync(Actor actor, BindingCancellationDraft draft, string messageKey, SignedDocumentRefusal? signature)
    {
        await audit.RecordAsync(actor, AuditActions.BindingCancellationRefused, AuditSubjects.Binding(draft.BindingId),
            new { device = draft.DeviceSerial, draft.Reference, refusal = signature?.ToString() ?? messageKey }).ConfigureAwait(false);
        return Outcome.Refused(messageKey);
    }

    /// <summary>The request's text in the page's language, after the header line the agent requires.</summary>
    private byte[] Document(DeviceBinding binding, IReadOnlyList<RevocableCertificate> certificates, string reference, RevocationReason revocationReason, string reason,
        DateTimeOffset now)
    {
        var text = new StringBuilder();
        text.Append(DocumentSignature.Header(DocumentSignature.BindingCancellation)).Append('\n');
        text.Append(l["Bindings.Document.Title"]).Append('\n').Append('\n');
        Line(l["Bindings.Document.Reference"], reference);
        Line(l["Bindings.Document.Holder"], $"{binding.Applicant.DisplayName} <{binding.Applicant.Email}>");
        Line(l["Bindings.Document.Device"], binding.Device.SerialNumber);
        if (certificates.Count == 0)
        {
            Line(l["Bindings.Document.Certificates"], l["Bindings.Document.NoCertificates"]);
        }
        else
        {
            text.Append(l["Bindings.Document.Certificates"]).Append(":\n");
            foreach (var certificate in certificates)
            {
                text.Append("  - ").Append(certificate.SerialNumber).Append(" (").Append(l[$"Certificates.Type.{certificate.Type}"]).Append(", ")
                    .Append(certificate.Subject).Append(")\n");
            }

            Line(l["Bindings.Document.RevocationReason"], l[RevocationReasonTexts.Key(revocationReason)]);
        }

        Line(l["Bindings.Document.Reason"], reason);
        Line(l["Bindings.Document.Date"], portalTime.DateTime(now, System.Globalization.CultureInfo.CurrentCulture));
        text.Append('\n').Append(l["Bindings.Document.Statement"]).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());

        void Line(string label, string value) => text.Append(label).Append(": ").Append(value).Append('\n');
    }
}

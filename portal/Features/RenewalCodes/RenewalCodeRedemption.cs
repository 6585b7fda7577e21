using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Hosting;
using Qtsp.Portal.Resources;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.RenewalCodes;

/// <summary>Why a code was not accepted; each has its text (<c>RenewalCodes.Refusal.{refusal}</c>).</summary>
public enum RenewalCodeRefusal
{
    /// <summary>No such code (mistyped, or never made) — the same answer whatever the input looked like.</summary>
    Unknown,

    AlreadyUsed,

    /// <summary>The code's batch has expired.</summary>
    Expired,

    /// <summary>Too many wrong codes from this address or account within the window.</summary>
    Throttled,
}

/// <summary>What a code buys: shown to the holder before anything else happens.</summary>
public sealed record RenewalCodeOffer(long CodeId, string BatchReference, CertificateType Product, int TermMonths, KeyMedium Medium, DateTime ExpiresAtUtc);

/// <summary>When the new certificate starts.</summary>
public enum RenewalStart
{
    /// <summary>As soon as it is issued.</summary>
    Now,

    /// <summary>When the current certificate ends: notBefore = its notAfter, so no validity bought is lost.</summary>
    AfterCurrent,
}

/// <summary>A certificate of the holder that the code can renew (valid, of the code's product).</summary>
public sealed record RenewableCertificate(long Id, string SerialNumber, string Subject, DateTime NotAfterUtc, string? DeviceSerial, string? KeyIdHex);

/// <summary>The renewal application as the portal prepared it; it lives in the page's circuit until it is signed.</summary>
public sealed record RenewalApplicationDraft(
    RenewalCodeOffer Offer,
    long ApplicantId,
    RenewableCertificate Certificate,
    RenewalStart Start,
    DateTime NotBeforeUtc,
    string Reference,
    byte[] Document,
    DateTimeOffset PreparedAt)
{
    public string Text => Encoding.UTF8.GetString(Document);
}

/// <summary>An application whose signature the portal accepted, recorded as evidence: the next steps refer to it by id.</summary>
public sealed record SignedRenewalApplication(long Id, string Reference, RenewalCodeOffer Offer, long RenewsCertificateId, RenewalStart Start, DateTime NotBeforeUtc,
    string SignerSerial);

/// <summary>
/// The holder's side of a renewal code, up to the issuance: check a code (throttled per address and per account; every
/// wrong code audited without the code itself), list the certificates it can renew, prepare the renewal application,
/// accept its signature made on the token with the current certificate (<see cref="SignedDocuments"/>: the text, the
/// signer is that very certificate, chain, status), and record the contact details. The code is spent only by the
/// issuance (<see cref="RenewalCodeClaim"/>), in the transaction that records the new certificate.
/// </summary>
public sealed class RenewalCodeRedemption(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit,
    RenewalCodeHasher hasher,
    Throttling throttling,
    RequestOrigin origin,
    SignedDocuments documents,
    PortalTime portalTime,
    IStringLocalizer<Strings> l,
    IOptions<RenewalCodeOptions> options,
    TimeProvider time)
{
    public const string CodeField = "Code";
    public const string EmailField = "Email";
    public const string PhoneField = "Phone";
    public const string NotUsable = "RenewalCodes.NotUsable";
    public const string CertificateNotRenewable = "RenewalCodes.CertificateNotRenewable";
    public const string DraftExpired = "RenewalCodes.DraftExpired";
    public const string SignerNotRenewed = "RenewalCodes.SignerNotRenewed";

    /// <summary>How long a prepared application may wait for its signature.</summary>
    public static readonly TimeSpan DraftLifetime = TimeSpan.FromMinutes(15);

    public static string RefusalKey(RenewalCodeRefusal refusal) => $"RenewalCodes.Refusal.{refusal}";

    public static string SignatureRefusalKey(SignedDocumentRefusal refusal) => $"Bindings.Signed.Refusal.{refusal}";

    /// <summary>The holder acting for themselves: never inside a support session.</summary>
    public static long? HolderOf(Actor actor) => actor is { Support: null, IsHolder: true } ? actor.ApplicantId : null;

    public async Task<Outcome<RenewalCodeOffer>> CheckAsync(string? code)
    {
        var actor = await RequireHolderAsync("check").ConfigureAwait(false);
        var keys = ThrottleKeys(actor);
        if (await throttling.IsLockedAsync(keys).ConfigureAwait(false))
        {
            await audit.RecordAsync(actor, AuditActions.RenewalCodeRefused, AuditSubjects.User(actor.UserName), new { reason = nameof(RenewalCodeRefusal.Throttled) })
                .ConfigureAwait(false);
            return Outcome.Refused<RenewalCodeOffer>(RefusalKey(RenewalCodeRefusal.Throttled));
        }

        var normalised = RenewalCodeFormat.Normalise(code);
        var hash = normalised is null ? null : hasher.Hash(normalised);
        var found = hash is null ? null : await data.RunAsync(db => db.RenewalCodes.AsNoTracking().Where(c => c.CodeHash == hash)
            .Select(c => new { c.Id, c.RedeemedAtUtc, c.Batch.Reference, c.Batch.Product, c.Batch.TermMonths, c.Batch.Medium, c.Batch.ExpiresAtUtc, c.BatchId })
            .SingleOrDefaultAsync()).ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        RenewalCodeRefusal? refusal = found is null ? RenewalCodeRefusal.Unknown
            : found.RedeemedAtUtc is not null ? RenewalCodeRefusal.AlreadyUsed
            : found.ExpiresAtUtc <= now ? RenewalCodeRefusal.Expired
            : null;
        if (refusal is { } refused)
        {
            await throttling.FailAsync(keys, Policy).ConfigureAwait(false);
            await audit.RecordAsync(actor, AuditActions.RenewalCodeRefused,
                found is null ? AuditSubjects.User(actor.UserName) : AuditSubjects.RenewalCodeBatch(found.BatchId),
                new { reason = refused.ToString(), batch = found?.Reference, code = found?.Id }).ConfigureAwait(false);
            return Outcome.Refused<RenewalCodeOffer>(RefusalKey(refused));
        }

        return Outcome.Done(new RenewalCodeOffer(found!.Id, found.Reference, found.Product, found.TermMonths, found.Medium, found.ExpiresAtUtc));
    }

    /// <summary>The holder's valid certificates of the code's product, the one ending first first.</summary>
    public async Task<IReadOnlyList<RenewableCertificate>> CertificatesAsync(RenewalCodeOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var actor = await RequireHolderAsync("certificates").ConfigureAwait(false);
        var applicantId = HolderOf(actor)!.Value;
        var now = time.GetUtcNow().UtcDateTime;
        return await data.RunAsync(db => Renewable(db, applicantId, offer.Product, now).ToListAsync()).ConfigureAwait(false);
    }

    /// <summary>Prepares the application for the certificate picked; its text is what the holder signs with it.</summary>
    public async Task<Outcome<RenewalApplicationDraft>> PrepareAsync(RenewalCodeOffer offer, long certificateId, RenewalStart start)
    {
        ArgumentNullException.ThrowIfNull(offer);
        var actor = await RequireHolderAsync("prepare").ConfigureAwait(false);
        var applicantId = HolderOf(actor)!.Value;
        var now = time.GetUtcNow();
        var found = await data.RunAsync(async db => new
        {
            Usable = await Usable(db, offer.CodeId, now.UtcDateTime).AnyAsync().ConfigureAwait(false),
            Certificate = await Renewable(db, applicantId, offer.Product, now.UtcDateTime, certificateId).SingleOrDefaultAsync().ConfigureAwait(false),
            Applicant = await db.Applicants.AsNoTracking().SingleAsync(a => a.Id == applicantId).ConfigureAwait(false),
        }).ConfigureAwait(false);
        if (!found.Usable)
        {
            return Outcome.Refused<RenewalApplicationDraft>(NotUsable);
        }

        if (found.Certificate is not { } certificate || !Enum.IsDefined(start))
        {
            await audit.RecordRefusalAsync(actor, AuditSubjects.Certificate(certificateId), "renewal-code.prepare").ConfigureAwait(false);
            return Outcome.Refused<RenewalApplicationDraft>(CertificateNotRenewable);
        }

        var notBefore = start == RenewalStart.AfterCurrent ? certificate.NotAfterUtc : now.UtcDateTime;
        var reference = "RA-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var document = Document(found.Applicant, offer, certificate, start, notBefore, reference, now);
        return Outcome.Done(new RenewalApplicationDraft(offer, applicantId, certificate, start, notBefore, reference, document, now));
    }

    /// <summary>
    /// Accepts the holder's signature over the draft when it covers that text and the signer is the certificate being
    /// renewed (this CA's, the holder's, valid, chaining to the root); records the signed application. Refusals audited.
    /// </summary>
    public async Task<Outcome<SignedRenewalApplication>> SubmitSignatureAsync(RenewalApplicationDraft draft, DocumentSigned signature)
    {
        ArgumentNullException.ThrowIfNull(draft);
        ArgumentNullException.ThrowIfNull(signature);
        var actor = await RequireHolderAsync("sign").ConfigureAwait(false);
        if (HolderOf(actor) != draft.ApplicantId)
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.Certificate(draft.Certificate.Id), "renewal-code.sign").ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        if (now - draft.PreparedAt > DraftLifetime)
        {
            return await RefuseApplicationAsync(actor, draft, DraftExpired, "DraftExpired").ConfigureAwait(false);
        }

        var check = await documents.VerifyAsync(draft.Document, signature.Cms, draft.ApplicantId, draft.PreparedAt).ConfigureAwait(false);
        if (check.Signer is not { } signer)
        {
            return await RefuseApplicationAsync(actor, draft, SignatureRefusalKey(check.Refusal!.Value), check.Refusal!.Value.ToString()).ConfigureAwait(false);
        }

        // The application is signed by the certificate it renews: it proves the holder has that key now.
        if (signer.CertificateId != draft.Certificate.Id || signer.Type != CertificateType.Qualified)
        {
            return await RefuseApplicationAsync(actor, draft, SignerNotRenewed, "SignerNotRenewed").ConfigureAwait(false);
        }

        var recorded = await data.RunInTransactionAsync<long?>(async db =>
        {
            if (!await Usable(db, draft.Offer.CodeId, now.UtcDateTime).AnyAsync().ConfigureAwait(false))
            {
                return null;
            }

            var application = new RenewalApplication
            {
                Reference = draft.Reference,
                RenewalCodeId = draft.Offer.CodeId,
                ApplicantId = draft.ApplicantId,
                RenewsCertificateId = draft.Certificate.Id,
                TermMonths = draft.Offer.TermMonths,
                Medium = draft.Offer.Medium,
                NotBeforeUtc = draft.NotBeforeUtc,
                StartsAfterCurrent = draft.Start == RenewalStart.AfterCurrent,
                Document = draft.Text,
                Signature = signature.Cms,
                SignedAtUtc = now.UtcDateTime,
            };
            db.RenewalApplications.Add(application);
            await db.SaveChangesAsync().ConfigureAwait(false);
            audit.Add(db, actor, AuditActions.RenewalApplicationSigned, AuditSubjects.Certificate(draft.Certificate.Id), new
            {
                draft.Reference, batch = draft.Offer.BatchReference, code = draft.Offer.CodeId, serial = draft.Certificate.SerialNumber, signer = signer.SerialNumber,
                term = draft.Offer.TermMonths, medium = draft.Offer.Medium.ToString(), start = draft.Start.ToString(), notBefore = draft.NotBeforeUtc,
                documentSha256 = Convert.ToHexString(SHA256.HashData(draft.Document)),
            });
            await db.SaveChangesAsync().ConfigureAwait(false);
            return application.Id;
        }).ConfigureAwait(false);
        if (recorded is not { } id)
        {
            return await RefuseApplicationAsync(actor, draft, NotUsable, "NotUsable").ConfigureAwait(false);
        }

        return Outcome.Done(new SignedRenewalApplication(id, draft.Reference, draft.Offer, draft.Certificate.Id, draft.Start, draft.NotBeforeUtc, signer.SerialNumber));
    }

    /// <summary>The holder's e-mail and phone for the new certificate's mails, as they confirmed (or changed) them.</summary>
    public async Task<Outcome> ConfirmContactAsync(long applicationId, string? email, string? phone)
    {
        var actor = await RequireHolderAsync("contact").ConfigureAwait(false);
        var errors = new List<FieldError>();
        InputRules.EmailAddress(errors, EmailField, email, Applicant.EmailMaxLength);
        InputRules.PhoneNumber(errors, PhoneField, phone, Applicant.PhoneMaxLength);
        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        var applicantId = HolderOf(actor);
        var changed = await data.RunInTransactionAsync(async db =>
        {
            var application = await db.RenewalApplications.SingleOrDefaultAsync(a => a.Id == applicationId && a.ApplicantId == applicantId && a.CertificateId == null)
                .ConfigureAwait(false);
            if (application is null)
            {
                return false;
            }

            application.Email = InputRules.Clean(email);
            application.Phone = InputRules.Clean(phone);
            audit.Add(db, actor, AuditActions.RenewalContactConfirmed, AuditSubjects.Certificate(application.RenewsCertificateId), new { application.Reference });
            await db.SaveChangesAsync().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        if (!changed)
        {
            await audit.RecordRefusalAsync(actor, $"renewal-application:{applicationId}", "renewal-code.contact").ConfigureAwait(false);
            return Outcome.Refused(NotUsable);
        }

        return Outcome.Success;
    }

    /// <summary>The holder's contact details on record, offered for confirmation.</summary>
    public async Task<(string? Email, string? Phone)> ContactAsync()
    {
        var actor = await RequireHolderAsync("contact").ConfigureAwait(false);
        var applicantId = HolderOf(actor)!.Value;
        return await data.RunAsync(async db => await db.Applicants.AsNoTracking().Where(a => a.Id == applicantId)
            .Select(a => new ValueTuple<string?, string?>(a.Email, a.Phone)).SingleAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    private ThrottlePolicy Policy => new(options.Value.MaxWrongCodes, options.Value.ThrottleWindow, options.Value.ThrottleLockTime);

    /// <summary>Wrong codes count against the address (an IPv6 /64) and the account, each on its own.</summary>
    private string[] ThrottleKeys(Actor actor)
    {
        var address = IPAddress.TryParse(origin.Address, out var parsed) ? RateLimits.AddressPartition(parsed) : origin.Address ?? "?";
        return [Throttling.Key("renewal-code-address:", address), Throttling.Key("renewal-code-account:", actor.UserId)];
    }

    private async Task<Actor> RequireHolderAsync(string operation)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (HolderOf(actor) is null)
        {
            throw await audit.RefuseAsync(actor, "renewal-codes", $"renewal-code.{operation}").ConfigureAwait(false);
        }

        return actor;
    }

    private static IQueryable<RenewalCode> Usable(PortalDbContext db, long codeId, DateTime now) =>
        db.RenewalCodes.Where(c => c.Id == codeId && c.RedeemedAtUtc == null && c.Batch.ExpiresAtUtc > now);

    private static IQueryable<RenewableCertificate> Renewable(PortalDbContext db, long applicantId, CertificateType product, DateTime now, long? certificateId = null) =>
        db.Certificates.AsNoTracking()
            .Where(c => c.ApplicantId == applicantId && c.Type == product && c.Status == CertificateStatus.Issued && c.NotBeforeUtc <= now && c.NotAfterUtc > now)
            .Where(c => certificateId == null || c.Id == certificateId)
            .OrderBy(c => c.NotAfterUtc)
            .Select(c => new RenewableCertificate(c.Id, c.SerialNumber, c.Subject, c.NotAfterUtc, c.Device == null ? null : c.Device.SerialNumber, c.KeyIdHex));

    private async Task<Outcome<SignedRenewalApplication>> RefuseApplicationAsync(Actor actor, RenewalApplicationDraft draft, string messageKey, string reason)
    {
        await audit.RecordAsync(actor, AuditActions.RenewalApplicationRefused, AuditSubjects.Certificate(draft.Certificate.Id),
            new { draft.Reference, batch = draft.Offer.BatchReference, reason }).ConfigureAwait(false);
        return Outcome.Refused<SignedRenewalApplication>(messageKey);
    }

    /// <summary>The application's text in the page's language, after the header line the agent requires.</summary>
    private byte[] Document(Applicant applicant, RenewalCodeOffer offer, RenewableCertificate certificate, RenewalStart start, DateTime notBefore, string reference,
        DateTimeOffset now)
    {
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        var text = new StringBuilder();
        text.Append(DocumentSignature.Header(DocumentSignature.RenewalApplication)).Append('\n');
        text.Append(l["RenewalCodes.Document.Title"]).Append('\n').Append('\n');
        Line(l["RenewalCodes.Document.Reference"], reference);
        Line(l["RenewalCodes.Document.Holder"], $"{applicant.DisplayName} <{applicant.Email}>");
        Line(l["RenewalCodes.Document.Certificate"], $"{certificate.SerialNumber} ({certificate.Subject}), {l["RenewalCodes.Document.ValidTo"]} {portalTime.DateTime(certificate.NotAfterUtc, culture)}");
        Line(l["RenewalCodes.Document.Batch"], offer.BatchReference);
        Line(l["RenewalCodes.Document.Product"], l[$"Certificates.Type.{offer.Product}"]);
        Line(l["RenewalCodes.Document.Term"], l["RenewalCodes.Term", offer.TermMonths]);
        Line(l["RenewalCodes.Document.Medium"], l[$"RenewalCodes.Medium.{offer.Medium}"]);
        Line(l["RenewalCodes.Document.Start"], start == RenewalStart.AfterCurrent
            ? l["RenewalCodes.Document.StartAfterCurrent", portalTime.DateTime(notBefore, culture)]
            : l["RenewalCodes.Document.StartNow"]);
        Line(l["RenewalCodes.Document.Date"], portalTime.DateTime(now, culture));
        text.Append('\n').Append(l["RenewalCodes.Document.Statement"]).Append('\n');
        return Encoding.UTF8.GetBytes(text.ToString());

        void Line(string label, string value) => text.Append(label).Append(": ").Append(value).Append('\n');
    }
}

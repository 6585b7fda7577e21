using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;
using static Qtsp.Portal.Infrastructure.Mail.MailTexts;

namespace Qtsp.Portal.Features.Registration;

/// <summary>
/// The RA operator's desk at a branch: find a request by its number, verify the applicant's identity from the document
/// shown (the CA then issues at once), or reject the request. Only RA operators and administrators acting as
/// themselves may use it — never a customer, and never support staff inside a customer's session; every refusal is
/// audited. The identity check, the verified status and its audit event are one transaction; two operators approving
/// the same request at once record one check and issue one certificate.
/// </summary>
public sealed class IdentityVerification(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit,
    MailOutbox outbox,
    RequestIssuance issuance,
    PortalTime portalTime,
    TimeProvider time)
{
    public const int ReasonMaxLength = Applicant.ReasonMaxLength;

    /// <summary>The request with exactly this number (case and surrounding spaces do not matter); null when there is none.</summary>
    public async Task<RegistrationRequest?> FindAsync(string? requestNumber)
    {
        await RequireStaffAsync("registration", "find").ConfigureAwait(false);
        var number = NormalizeNumber(requestNumber);
        if (!RequestNumbers.IsValid(number))
        {
            return null;
        }

        return await data.RunAsync(db => db.CertificateRequests.AsNoTracking()
            .Where(r => r.RequestNumber == number)
            .Select(r => new RegistrationRequest(
                r.Id, r.RequestNumber, r.Type, r.Kind, r.Status, r.SubmittedAtUtc, r.SubjectName, r.Email,
                r.ApplicantId, r.Applicant.Revision, r.Applicant.FirstName + " " + r.Applicant.LastName, r.Applicant.DateOfBirth,
                r.Applicant.PersonalIdentifier, r.Applicant.IsBlocked,
                r.Applicant.Organisation == null ? null : r.Applicant.Organisation.Name,
                r.Device == null ? null : r.Device.SerialNumber))
            .SingleOrDefaultAsync()).ConfigureAwait(false);
    }

    public static string NormalizeNumber(string? requestNumber) => requestNumber?.Trim().ToUpperInvariant() ?? "";

    /// <summary>
    /// Records the identity check of an initial request waiting for it and lets the CA issue the certificate.
    /// <paramref name="applicantRevision"/> is the applicant's revision the operator compared the document with.
    /// </summary>
    public async Task<ApprovalOutcome> ApproveAsync(long requestId, int applicantRevision, IdentityDocumentInput document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var actor = await RequireStaffAsync(AuditSubjects.Request(requestId), "approve").ConfigureAwait(false);
        var now = time.GetUtcNow();
        var (checkedDocument, errors) = IdentityDocumentRules.Validate(document, DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, portalTime.Zone).DateTime));

        // What the operator compared the document with; the claim below holds only if it is still so.
        var request = await data.RunAsync(db => db.CertificateRequests.AsNoTracking().Include(r => r.Applicant)
            .SingleOrDefaultAsync(r => r.Id == requestId)).ConfigureAwait(false);
        RegistrationRefusal? refusal = request switch
        {
            null => RegistrationRefusal.NotFound,
            { Kind: not RequestKind.Initial } => RegistrationRefusal.NotInitial,
            { Status: not RequestStatus.Submitted } => RegistrationRefusal.NotWaiting,
            _ when request.Applicant.Revision != applicantRevision => RegistrationRefusal.ChangedMeanwhile,
            _ when checkedDocument is null => RegistrationRefusal.Invalid,
            _ => null,
        };
        if (refusal is null)
        {
            refusal = await RecordCheckAsync(actor, request!, applicantRevision, checkedDocument!, now).ConfigureAwait(false);
        }

        if (refusal == RegistrationRefusal.Invalid)
        {
            return ApprovalOutcome.Invalid(errors);
        }

        if (refusal is { } refused)
        {
            return ApprovalOutcome.Refused(refused);
        }

        // The identity is verified: the CA issues at once. A refusal leaves the request verified, unissued.
        var issued = await issuance.IssueAsync(requestId, actor).ConfigureAwait(false);
        return issued.Issued is { } certificate
            ? ApprovalOutcome.Done(certificate)
            : ApprovalOutcome.NotIssued(issued.Refusal ?? IssuanceRefusal.NotReady, issued.CaReason);
    }

    /// <summary>
    /// Claims the request (submitted, initial, the applicant unchanged) as the first statement of the transaction — so
    /// that a second operator's transaction waits for this one instead of deadlocking on SQLite — and records the check.
    /// </summary>
    private Task<RegistrationRefusal?> RecordCheckAsync(Actor actor, CertificateRequest request, int applicantRevision, IdentityDocument document, DateTimeOffset now)
    {
        var documentIdentifier = IssuanceSubjects.FromDocument(document.Type, document.IssuingCountry, document.Number);
        // The serialNumber comes from the document only when there is no personal number to take it from.
        var subjectSerialNumber = request.SubjectSerialNumber
            ?? (string.IsNullOrWhiteSpace(request.Applicant.PersonalIdentifier) ? documentIdentifier : null);
        var requestId = request.Id;
        return data.RunInTransactionAsync<RegistrationRefusal?>(async db =>
        {
            // Whoever moves the request on first records the check; a second approval finds nothing to claim.
            var claimed = await db.CertificateRequests
                .Where(r => r.Id == requestId && r.Status == RequestStatus.Submitted && r.Kind == RequestKind.Initial && r.Applicant.Revision == applicantRevision)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(r => r.Status, RequestStatus.Verified)
                    .SetProperty(r => r.SubjectSerialNumber, subjectSerialNumber)
                    .SetProperty(r => r.DecidedAtUtc, now.UtcDateTime)
                    .SetProperty(r => r.DecidedBy, actor.AuditActor)).ConfigureAwait(false);
            if (claimed == 0)
            {
                var status = await db.CertificateRequests.Where(r => r.Id == requestId).Select(r => r.Status).SingleAsync().ConfigureAwait(false);
                return status == RequestStatus.Submitted ? RegistrationRefusal.ChangedMeanwhile : RegistrationRefusal.NotWaiting;
            }

            db.IdentityChecks.Add(new IdentityCheck
            {
                RequestId = requestId,
                DocumentType = document.Type,
                DocumentNumber = document.Number,
                IssuingCountry = document.IssuingCountry,
                ValidUntil = document.ValidUntil,
                PhotoMatches = true,
                DocumentGenuine = true,
                DataMatch = true,
                Note = document.Note,
                CheckedAtUtc = now.UtcDateTime,
                CheckedBy = actor.AuditActor,
            });
            audit.Add(db, actor, AuditActions.IdentityVerified, AuditSubjects.Request(requestId), new
            {
                request.RequestNumber, document = documentIdentifier,
                validUntil = document.ValidUntil.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            });
            await db.SaveChangesAsync().ConfigureAwait(false);
            return null;
        });
    }

    /// <summary>Rejects a request sent from the device and not issued yet, with the reason the holder is mailed.</summary>
    public async Task<RejectionOutcome> RejectAsync(long requestId, string? reason)
    {
        var actor = await RequireStaffAsync(AuditSubjects.Request(requestId), "reject").ConfigureAwait(false);
        var errors = new List<FieldError>();
        InputRules.RequiredText(errors, "Reason", reason, ReasonMaxLength);
        if (errors.Count > 0)
        {
            return RejectionOutcome.Invalid(errors);
        }

        var cleanReason = InputRules.Clean(reason)!;
        var now = time.GetUtcNow().UtcDateTime;
        return await data.RunInTransactionAsync(async db =>
        {
            // The claim first (see RecordCheckAsync): a concurrent decision waits, then finds nothing to claim.
            var claimed = await db.CertificateRequests
                .Where(r => r.Id == requestId && (r.Status == RequestStatus.Submitted || r.Status == RequestStatus.Verified))
                .ExecuteUpdateAsync(set => set
                    .SetProperty(r => r.Status, RequestStatus.Rejected)
                    .SetProperty(r => r.RejectionReason, cleanReason)
                    .SetProperty(r => r.DecidedAtUtc, now)
                    .SetProperty(r => r.DecidedBy, actor.AuditActor)).ConfigureAwait(false);
            var request = await db.CertificateRequests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == requestId).ConfigureAwait(false);
            if (request is null)
            {
                return RejectionOutcome.Refused(RegistrationRefusal.NotFound);
            }

            if (claimed == 0)
            {
                return RejectionOutcome.Refused(RegistrationRefusal.NotWaiting);
            }

            audit.Add(db, actor, AuditActions.RequestRejected, AuditSubjects.Request(requestId), new { request.RequestNumber, reason = cleanReason });
            outbox.Enqueue(db, "request.rejected", request.Email,
                L["Mail.RequestRejected.Subject", request.RequestNumber],
                L["Mail.RequestRejected.Body", request.SubjectName, request.RequestNumber, cleanReason]);
            await db.SaveChangesAsync().ConfigureAwait(false);
            return RejectionOutcome.Done;
        }).ConfigureAwait(false);
    }

    /// <summary>The acting RA operator or administrator (as themselves); anyone else is refused, audited.</summary>
    private async Task<Actor> RequireStaffAsync(string subject, string operation)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (!IsRegistrationStaff(actor))
        {
            throw await audit.RefuseAsync(actor, subject, $"registration.{operation}").ConfigureAwait(false);
        }

        return actor;
    }

    /// <summary>RA operators and administrators, outside any support session.</summary>
    public static bool IsRegistrationStaff(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return actor.Support is null && (actor.IsInRole(PortalRoles.RaOperator) || actor.IsInRole(PortalRoles.Admin));
    }
}

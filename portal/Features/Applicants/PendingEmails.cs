using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;
using static Qtsp.Portal.Infrastructure.Mail.MailTexts;

namespace Qtsp.Portal.Features.Applicants;

/// <summary>
/// E-mail addresses support staff enter for a customer's applicant. Someone acting as the customer must not be able to
/// redirect the customer's mail (activation of a certificate, renewal) to an address of their choosing: an address
/// entered in a support session is held — the applicant's address on record stays in use, the customer is told at their
/// own address, and only the customer, signed in themselves, makes it the applicant's address (or discards it). An
/// applicant registered in a support session is likewise marked unconfirmed: no request is prepared to it in a support
/// session before the customer confirms.
/// </summary>
public sealed class PendingEmails(DataAccess data, CurrentActor current, AuditTrail audit, TimeProvider time)
{
    public const string UnconfirmedAddress = "Validation.SupportAddressUnconfirmed";
    public const string NothingPending = "Applicants.NoPendingEmail";

    /// <summary>Holds the address just applied to <paramref name="applicant"/> in a support session; the old one stays.</summary>
    internal static async Task ProposeAsync(PortalDbContext db, AuditTrail audit, MailOutbox outbox, Actor actor, SupportContext support, Applicant applicant, string previous)
    {
        var proposed = applicant.Email;
        applicant.Email = previous;
        applicant.PendingEmail = proposed;
        applicant.PendingEmailSupportSessionId = support.SessionId;
        audit.Add(db, actor, AuditActions.ApplicantEmailPending, AuditSubjects.Applicant(applicant.Id), new { current = previous, proposed });
        var customerEmail = await db.Users.Where(u => u.Id == actor.UserId).Select(u => u.Email).SingleOrDefaultAsync().ConfigureAwait(false);
        if (!string.IsNullOrEmpty(customerEmail))
        {
            outbox.Enqueue(db, "applicant.email-pending", customerEmail,
                L["Mail.PendingEmail.Subject"],
                L["Mail.PendingEmail.Body", applicant.DisplayName, proposed, support.StaffDisplayName, support.Reason]);
        }
    }

    /// <summary>The customer makes the held address the applicant's (or confirms the address of an applicant registered by support).</summary>
    public Task<Outcome> ConfirmAsync(long applicantId) => DecideAsync(applicantId, confirm: true);

    /// <summary>The customer discards the held address; the applicant keeps the one on record.</summary>
    public Task<Outcome> DiscardAsync(long applicantId) => DecideAsync(applicantId, confirm: false);

    private async Task<Outcome> DecideAsync(long applicantId, bool confirm)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var operation = confirm ? "email-confirm" : "email-discard";
        return await data.RunAsync<Outcome>(async db =>
        {
            var applicant = actor.Support is null
                ? await db.Applicants.ManageableBy(actor).SingleOrDefaultAsync(a => a.Id == applicantId).ConfigureAwait(false)
                : null;
            if (applicant is null)
            {
                // Support staff cannot confirm what they entered themselves, whatever their elevation.
                throw await audit.RefuseAsync(actor, AuditSubjects.Applicant(applicantId), operation).ConfigureAwait(false);
            }

            if (applicant.PendingEmail is null && !applicant.EmailUnconfirmed)
            {
                return Outcome.Refused(NothingPending);
            }

            var proposed = applicant.PendingEmail ?? applicant.Email;
            if (confirm && applicant.PendingEmail is not null)
            {
                applicant.Email = applicant.PendingEmail;
            }

            applicant.PendingEmail = null;
            applicant.PendingEmailSupportSessionId = null;
            if (confirm)
            {
                applicant.EmailEnteredInSupportSessionId = null;
            }

            applicant.Revision++;
            applicant.UpdatedAtUtc = time.GetUtcNow().UtcDateTime;
            audit.Add(db, actor, confirm ? AuditActions.ApplicantEmailConfirmed : AuditActions.ApplicantEmailDiscarded, AuditSubjects.Applicant(applicantId),
                new { address = proposed, email = applicant.Email });
            try
            {
                await db.SaveChangesAsync().ConfigureAwait(false);
            }
            catch (DbUpdateConcurrencyException)
            {
                return Outcome.Refused(ApplicantService.Changed);
            }

            return Outcome.Success;
        }).ConfigureAwait(false);
    }
}

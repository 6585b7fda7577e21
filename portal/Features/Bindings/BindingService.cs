using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;
using static Qtsp.Portal.Infrastructure.Mail.MailTexts;

namespace Qtsp.Portal.Features.Bindings;

/// <summary>
/// Cancelling a person–device binding (to hand the device to someone else): possible only once every valid certificate
/// of the holder on that device is revoked, as the seed portal requires.
/// </summary>
public sealed class BindingService(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit,
    MailOutbox outbox,
    SupportElevation elevation,
    TimeProvider time)
{
    public const string CertificatesStillValid = "Bindings.CertificatesStillValid";

    public async Task<Outcome> CancelAsync(long bindingId, string? reason, string? elevationCode = null)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var cancellable = await data.RunAsync(db => db.DeviceBindings.CancellableBy(db.Applicants, actor).AnyAsync(b => b.Id == bindingId)).ConfigureAwait(false);
        if (!cancellable)
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.Binding(bindingId), "cancel").ConfigureAwait(false);
        }

        var errors = new List<FieldError>();
        InputRules.RequiredText(errors, "Reason", reason, Applicant.ReasonMaxLength);
        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var stillValid = await data.RunAsync(db => db.DeviceBindings.Where(b => b.Id == bindingId)
            .SelectMany(b => db.Certificates.Where(c => c.ApplicantId == b.ApplicantId && c.DeviceId == b.DeviceId && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now))
            .AnyAsync()).ConfigureAwait(false);
        if (stillValid)
        {
            return Outcome.Refused(CertificatesStillValid);
        }

        if (await elevation.CheckAsync(actor, elevationCode, "binding.cancel", AuditSubjects.Binding(bindingId)).ConfigureAwait(false) is { } refusal)
        {
            return Outcome.Refused(refusal);
        }

        return await data.RunAsync<Outcome>(async db =>
        {
            var binding = await db.DeviceBindings.Include(b => b.Device).Include(b => b.Applicant).SingleAsync(b => b.Id == bindingId).ConfigureAwait(false);
            if (binding.CancelledAtUtc is not null)
            {
                return Outcome.Success;
            }

            binding.CancelledAtUtc = now;
            binding.CancelledBy = actor.AuditActor;
            binding.CancellationReason = InputRules.Clean(reason);
            audit.Add(db, actor, AuditActions.BindingCancelled, AuditSubjects.Applicant(binding.ApplicantId),
                new { binding = binding.Id, device = binding.Device.SerialNumber, reason = binding.CancellationReason });
            outbox.Enqueue(db, "binding.cancelled", binding.Applicant.Email,
                L["Mail.BindingCancelled.Subject", binding.Device.SerialNumber],
                L["Mail.BindingCancelled.Body", binding.Applicant.DisplayName, binding.Device.SerialNumber]);
            await db.SaveChangesAsync().ConfigureAwait(false);
            return Outcome.Success;
        }).ConfigureAwait(false);
    }
}

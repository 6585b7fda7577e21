using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Bindings;
using Qtsp.Portal.Features.Revocation;
using Qtsp.TestSupport;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Bindings;

/// <summary>Cancelling a person–device binding: only once the holder's valid certificates on the device are revoked.</summary>
public sealed class BindingCancellationTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_binding_is_cancelled_only_after_the_certificates_on_the_device_are_revoked(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Ota", "Odcházející");
        var device = await data.DeviceAsync(applicant);
        var certificate = await data.CertificateAsync(applicant, device);
        var binding = await data.DbAsync(db => db.DeviceBindings.SingleAsync(b => b.DeviceId == device.Id));
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);

        var early = await data.AsAsync<BindingService, Outcome>(representative, s => s.CancelAsync(binding.Id, "Odchod z firmy"));
        var hostile = await data.AsAsync<BindingService, Outcome>(representative, s => s.CancelAsync(binding.Id, "<script>x</script>"));
        (await data.AsAsync<RevocationService, Outcome>(representative, s => s.RevokeAsync(certificate.Id, new RevocationInput(RevocationReason.AffiliationChanged, null, Totp.Code(representative.AuthenticatorKey!)))))
            .Succeeded.ShouldBeTrue();
        var cancelled = await data.AsAsync<BindingService, Outcome>(representative, s => s.CancelAsync(binding.Id, "Odchod z firmy"));

        early.MessageKey.ShouldBe(BindingService.CertificatesStillValid);
        hostile.Errors.ShouldContain(e => e.Field == "Reason" && e.MessageKey == "Validation.Markup");
        cancelled.Succeeded.ShouldBeTrue();
        var stored = await data.DbAsync(db => db.DeviceBindings.SingleAsync(b => b.Id == binding.Id));
        stored.CancelledAtUtc.ShouldNotBeNull();
        stored.CancelledBy.ShouldBe(representative.UserName);
        stored.CancellationReason.ShouldBe("Odchod z firmy");
        var trail = (await data.AuditAsync()).Where(a => a.Subject == AuditSubjects.Applicant(applicant.Id)).Select(a => a.Action).ToArray();
        trail.ShouldBe([AuditActions.CertificateRevoked, AuditActions.BindingCancelled]);
        (await data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Recipient == applicant.Email))).ShouldBe(2, "the holder is told of the revocation and of the cancellation");

        // The device is free: a new binding to someone else is possible, a second active one to the same device is not.
        var successor = await data.ApplicantAsync(organisation, "Nina", "Nástupkyně");
        await data.DbAsync(async db =>
        {
            db.DeviceBindings.Add(new DeviceBinding { DeviceId = device.Id, ApplicantId = successor.Id, CreatedAtUtc = DateTime.UtcNow, CreatedBy = "ca" });
            return await db.SaveChangesAsync();
        });
        await Should.ThrowAsync<DbUpdateException>(() => data.DbAsync(async db =>
        {
            db.DeviceBindings.Add(new DeviceBinding { DeviceId = device.Id, ApplicantId = applicant.Id, CreatedAtUtc = DateTime.UtcNow, CreatedBy = "ca" });
            return await db.SaveChangesAsync();
        }));
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Revocation;

/// <summary>Revocation by signed-in accounts: each party revokes what it may, confirmed as its role requires, and is refused (audited) otherwise.</summary>
public sealed class SignedInRevocationTests(RevocationPortals portals) : IClassFixture<RevocationPortals>
{
    private const string Address = "198.51.100.7";

    public static TheoryData<DatabaseProvider> Providers() => RevocationPortals.Providers();

    private static async Task<Outcome> RevokeAsync(TestData data, TestAccount account, long certificateId, RevocationInput input)
    {
        await using var scope = await data.AsAsync(account);
        scope.ServiceProvider.GetRequiredService<RequestOrigin>().Address = Address;
        return await scope.ServiceProvider.GetRequiredService<RevocationService>().RevokeAsync(certificateId, input);
    }

    private static Task<Certificate> StoredAsync(TestData data, long id) => data.DbAsync(db => db.Certificates.AsNoTracking().SingleAsync(c => c.Id == id));

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_holder_revokes_their_own_certificate_with_the_account_password_and_a_wrong_password_is_refused(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var applicant = await data.ApplicantAsync(null, "Hana");
        var certificate = await data.CertificateAsync(applicant, await data.DeviceAsync(applicant));
        var someoneElses = await data.CertificateAsync(await data.ApplicantAsync(null, "Cizí"));
        var holder = await data.AccountAsync(PortalRoles.Holder, applicant: applicant);

        await using (var scope = await data.AsAsync(holder))
        {
            (await scope.ServiceProvider.GetRequiredService<RevocationService>().ConfirmationAsync()).ShouldBe(RevocationConfirmation.AccountPassword);
        }

        var wrong = await RevokeAsync(data, holder, certificate.Id, new RevocationInput(RevocationReason.AffiliationChanged, null, "not the password"));
        wrong.MessageKey.ShouldBe(RevocationService.PasswordWrong);
        (await StoredAsync(data, certificate.Id)).Status.ShouldBe(CertificateStatus.Issued);
        await Should.ThrowAsync<AccessRefusedException>(() => RevokeAsync(data, holder, someoneElses.Id, new RevocationInput(RevocationReason.KeyCompromise, null, holder.Password)));
        (await StoredAsync(data, someoneElses.Id)).Status.ShouldBe(CertificateStatus.Issued);

        var right = await RevokeAsync(data, holder, certificate.Id, new RevocationInput(RevocationReason.AffiliationChanged, null, holder.Password));

        right.Succeeded.ShouldBeTrue();
        var stored = await StoredAsync(data, certificate.Id);
        stored.Status.ShouldBe(CertificateStatus.Revoked);
        stored.RevocationReason.ShouldBe(RevocationReason.AffiliationChanged);
        ((int)stored.RevocationReason!.Value).ShouldBe(3);
        stored.RevokedBy.ShouldBe(holder.UserName);
        var audit = await data.AuditAsync();
        audit.ShouldContain(a => a.Action == AuditActions.CertificateRevocationRefused && a.Actor == holder.UserName && a.Subject == AuditSubjects.Certificate(certificate.Id));
        audit.ShouldContain(a => a.Action == AuditActions.AccessRefused && a.Actor == holder.UserName && a.Subject == AuditSubjects.Certificate(someoneElses.Id));
        var revoked = audit.Single(a => a.Action == AuditActions.CertificateRevoked && a.Subject == AuditSubjects.Applicant(applicant.Id));
        revoked.Actor.ShouldBe(holder.UserName);
        revoked.SourceAddress.ShouldBe(Address);
        revoked.Details!.ShouldNotContain(holder.Password);
        (await data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Recipient == applicant.Email))).ShouldBe(1);
        (await data.DbAsync(async db => (await db.Users.SingleAsync(u => u.Id == holder.UserId)).AccessFailedCount)).ShouldBe(0, "the right password resets the count");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_wrong_account_password_counts_towards_the_lock_out(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var applicant = await data.ApplicantAsync(null, "Lída");
        var certificate = await data.CertificateAsync(applicant);
        var holder = await data.AccountAsync(PortalRoles.Holder, applicant: applicant);

        for (var i = 0; i < AccountSetup.MaxFailedAttempts; i++)
        {
            await RevokeAsync(data, holder, certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, null, "wrong" + i));
        }

        (await RevokeAsync(data, holder, certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, null, holder.Password))).MessageKey.ShouldBe(RevocationService.AccountLocked);
        (await StoredAsync(data, certificate.Id)).Status.ShouldBe(CertificateStatus.Issued);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_representative_needs_a_fresh_code_and_revokes_only_its_organisations_certificates(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Petr");
        var certificate = await data.CertificateAsync(applicant);
        var otherCertificate = await data.CertificateAsync(await data.ApplicantAsync(await data.OrganisationAsync(), "Jiný"));
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);
        var key = representative.AuthenticatorKey!;

        (await RevokeAsync(data, representative, certificate.Id, new RevocationInput(RevocationReason.AffiliationChanged))).MessageKey.ShouldBe(RevocationService.CodeRequired);
        (await RevokeAsync(data, representative, certificate.Id, new RevocationInput(RevocationReason.AffiliationChanged, null, representative.Password)))
            .MessageKey.ShouldBe(RevocationService.CodeWrong, "the account password is no confirmation for a representative");
        (await RevokeAsync(data, representative, certificate.Id, new RevocationInput(RevocationReason.AffiliationChanged, null, Totp.WrongCode(key))))
            .MessageKey.ShouldBe(RevocationService.CodeWrong);
        await Should.ThrowAsync<AccessRefusedException>(() => RevokeAsync(data, representative, otherCertificate.Id, new RevocationInput(RevocationReason.AffiliationChanged, null, Totp.Code(key))));
        (await StoredAsync(data, certificate.Id)).Status.ShouldBe(CertificateStatus.Issued);
        (await StoredAsync(data, otherCertificate.Id)).Status.ShouldBe(CertificateStatus.Issued);

        (await RevokeAsync(data, representative, certificate.Id, new RevocationInput(RevocationReason.AffiliationChanged, null, Totp.Code(key)))).Succeeded.ShouldBeTrue();

        (await StoredAsync(data, certificate.Id)).Status.ShouldBe(CertificateStatus.Revoked);
        var audit = await data.AuditAsync();
        audit.Count(a => a.Action == AuditActions.CertificateRevocationRefused && a.Actor == representative.UserName).ShouldBe(3);
        audit.ShouldContain(a => a.Action == AuditActions.AccessRefused && a.Actor == representative.UserName && a.Subject == AuditSubjects.Certificate(otherCertificate.Id));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_code_is_accepted_once_and_an_older_code_never(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Olga");
        var first = await data.CertificateAsync(applicant);
        var second = await data.CertificateAsync(applicant);
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);
        var key = representative.AuthenticatorKey!;
        var now = DateTimeOffset.UtcNow;
        var code = Totp.Code(key, now);

        (await RevokeAsync(data, representative, first.Id, new RevocationInput(RevocationReason.Superseded, null, code))).Succeeded.ShouldBeTrue();
        (await RevokeAsync(data, representative, second.Id, new RevocationInput(RevocationReason.Superseded, null, code))).MessageKey.ShouldBe(RevocationService.CodeWrong);
        (await RevokeAsync(data, representative, second.Id, new RevocationInput(RevocationReason.Superseded, null, Totp.Code(key, now.AddSeconds(-30)))))
            .MessageKey.ShouldBe(RevocationService.CodeWrong);
        (await StoredAsync(data, second.Id)).Status.ShouldBe(CertificateStatus.Issued);

        (await RevokeAsync(data, representative, second.Id, new RevocationInput(RevocationReason.Superseded, null, Totp.Code(key, now.AddSeconds(30))))).Succeeded.ShouldBeTrue();
        var step = await data.DbAsync(async db => (await db.Users.SingleAsync(u => u.Id == representative.UserId)).LastTotpTimeStep);
        step.ShouldBe(now.AddSeconds(30).ToUnixTimeSeconds() / 30);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_RA_operator_revokes_any_certificate_with_a_fresh_code(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var certificate = await data.CertificateAsync(await data.ApplicantAsync(await data.OrganisationAsync(), "Radek"));
        var operatorAccount = await data.AccountAsync(PortalRoles.RaOperator);

        (await RevokeAsync(data, operatorAccount, certificate.Id, new RevocationInput(RevocationReason.PrivilegeWithdrawn))).MessageKey.ShouldBe(RevocationService.CodeRequired);
        (await RevokeAsync(data, operatorAccount, certificate.Id, new RevocationInput(RevocationReason.PrivilegeWithdrawn, null, Totp.Code(operatorAccount.AuthenticatorKey!))))
            .Succeeded.ShouldBeTrue();

        var stored = await StoredAsync(data, certificate.Id);
        stored.RevocationReason.ShouldBe(RevocationReason.PrivilegeWithdrawn);
        stored.RevokedBy.ShouldBe(operatorAccount.UserName);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Support_staff_revoke_only_with_elevation_in_a_customer_session_and_each_code_once(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Sára");
        var first = await data.CertificateAsync(applicant);
        var second = await data.CertificateAsync(applicant);
        var customer = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);
        var plainStaff = await data.AccountAsync(PortalRoles.Support);
        var elevatedStaff = await data.AccountAsync(PortalRoles.Support, elevated: true);
        foreach (var staff in new[] { plainStaff, elevatedStaff })
        {
            (await data.AsAsync<SupportService, Outcome<long>>(staff, s => s.StartAsync(customer.UserId, "HD-2026-1201"))).Succeeded.ShouldBeTrue();
        }

        (await RevokeAsync(data, plainStaff, first.Id, new RevocationInput(RevocationReason.KeyCompromise, null, Totp.Code(plainStaff.AuthenticatorKey!))))
            .MessageKey.ShouldBe(SupportElevation.NotPermitted);
        (await StoredAsync(data, first.Id)).Status.ShouldBe(CertificateStatus.Issued);

        await using (var scope = await data.AsAsync(elevatedStaff))
        {
            (await scope.ServiceProvider.GetRequiredService<RevocationService>().ConfirmationAsync()).ShouldBe(RevocationConfirmation.SupportElevation);
        }

        var code = Totp.Code(elevatedStaff.AuthenticatorKey!);
        (await RevokeAsync(data, elevatedStaff, first.Id, new RevocationInput(RevocationReason.KeyCompromise, null, code))).Succeeded.ShouldBeTrue();
        (await RevokeAsync(data, elevatedStaff, second.Id, new RevocationInput(RevocationReason.KeyCompromise, null, code))).MessageKey.ShouldBe(SupportElevation.CodeWrong);

        (await StoredAsync(data, first.Id)).RevokedBy.ShouldBe(elevatedStaff.UserName);
        (await StoredAsync(data, second.Id)).Status.ShouldBe(CertificateStatus.Issued);
        var audit = await data.AuditAsync();
        var revoked = audit.Single(a => a.Action == AuditActions.CertificateRevoked && a.Details!.Contains(first.SerialNumber, StringComparison.Ordinal));
        (revoked.Actor, revoked.OnBehalfOf, revoked.SourceAddress).ShouldBe((elevatedStaff.UserName, customer.UserName, Address));
        revoked.SupportSessionId.ShouldNotBeNull();
        audit.ShouldContain(a => a.Action == AuditActions.SupportElevationRefused && a.Actor == plainStaff.UserName && a.OnBehalfOf == customer.UserName);
        audit.ShouldContain(a => a.Action == AuditActions.SupportElevationRefused && a.Actor == elevatedStaff.UserName && a.Details!.Contains("wrong-code", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_invalidity_date_is_only_for_key_compromise_not_in_the_future_and_not_before_the_validity(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Ivan");
        var certificate = await data.CertificateAsync(applicant);
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);
        var key = representative.AuthenticatorKey!;
        var now = DateTime.UtcNow;

        (await RevokeAsync(data, representative, certificate.Id, new RevocationInput(RevocationReason.Superseded, now.AddHours(-1), Totp.Code(key))))
            .Errors.ShouldContain(e => e.Field == RevocationService.InvalidityDateField && e.MessageKey == "Revocation.InvalidityDate.OnlyKeyCompromise");
        (await RevokeAsync(data, representative, certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, now.AddHours(1), Totp.Code(key))))
            .Errors.ShouldContain(e => e.MessageKey == "Revocation.InvalidityDate.Future");
        (await RevokeAsync(data, representative, certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, certificate.NotBeforeUtc.AddMinutes(-1), Totp.Code(key))))
            .Errors.ShouldContain(e => e.MessageKey == "Revocation.InvalidityDate.BeforeValidity");
        (await StoredAsync(data, certificate.Id)).Status.ShouldBe(CertificateStatus.Issued);

        var since = now.AddHours(-2);
        (await RevokeAsync(data, representative, certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, since, Totp.Code(key)))).Succeeded.ShouldBeTrue();

        var stored = await StoredAsync(data, certificate.Id);
        stored.RevocationReason.ShouldBe(RevocationReason.KeyCompromise);
        stored.InvalidityDateUtc!.Value.ShouldBe(since, TimeSpan.FromMilliseconds(1));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Revoking_twice_changes_nothing_mails_once_and_the_publisher_is_told_once_after_the_commit(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var applicant = await data.ApplicantAsync(null, "Dana");
        var certificate = await data.CertificateAsync(applicant);
        var holder = await data.AccountAsync(PortalRoles.Holder, applicant: applicant);

        (await RevokeAsync(data, holder, certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, null, holder.Password))).Succeeded.ShouldBeTrue();
        var first = await StoredAsync(data, certificate.Id);
        (await RevokeAsync(data, holder, certificate.Id, new RevocationInput(RevocationReason.Unspecified, null, holder.Password))).Succeeded.ShouldBeTrue();

        var second = await StoredAsync(data, certificate.Id);
        (second.RevocationReason, second.RevokedAtUtc).ShouldBe((RevocationReason.KeyCompromise, first.RevokedAtUtc), "revocation is final: the first stays");
        (await data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Recipient == applicant.Email))).ShouldBe(1);
        (await data.AuditAsync()).Count(a => a.Action == AuditActions.CertificateRevoked && a.Subject == AuditSubjects.Applicant(applicant.Id)).ShouldBe(1);
        portals.Publisher(provider).Calls.Where(c => c.Issuer == certificate.Issuer).ShouldBe([(certificate.Issuer, true)]);
    }
}

using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Registration;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Support;
using PortalLocalization = Qtsp.Portal.Infrastructure.Localization;

namespace Qtsp.Portal.Tests.Registration;

/// <summary>
/// The RA operator's identity check on the real portal (embedded CA on SoftHSM2), on SQLite and PostgreSQL: an approval
/// records the document and issues at once with the document's identifier in the subject when there is no personal
/// number; only RA operators and administrators as themselves may decide; one approval wins a race; every refusal
/// leaves the request as it was (or verified but unissued when the CA refuses) and has a text in both languages.
/// </summary>
public sealed class IdentityVerificationTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Approval_records_the_check_and_issues_with_the_document_s_identifier_binds_audits_and_mails(DatabaseProvider provider)
    {
        var world = await RegistrationWorld.CreateAsync(portals.Data(provider));

        // The number as an operator may type it: lower case, with spaces around.
        var found = await world.Data.AsAsync<IdentityVerification, RegistrationRequest?>(world.Operator, s => s.FindAsync($"  {world.Request.RequestNumber.ToLowerInvariant()} "));
        found.ShouldNotBeNull();
        found.Id.ShouldBe(world.Request.Id);
        found.HolderName.ShouldBe(world.Applicant.DisplayName);
        found.OrganisationName.ShouldBe(world.Organisation.Name);
        found.DeviceSerial.ShouldBe(world.Device.SerialNumber);
        found.DateOfBirth.ShouldBe(world.Applicant.DateOfBirth);
        found.AwaitsIdentityCheck.ShouldBeTrue();
        found.SubmittedAtUtc.ShouldNotBeNull();

        var outcome = await world.ApproveAsync(revision: found.ApplicantRevision);

        outcome.Refusal.ShouldBeNull();
        outcome.Errors.ShouldBeEmpty();
        var issued = outcome.Issued.ShouldNotBeNull();
        issued.BindingCreated.ShouldBeTrue();
        var row = await world.RowAsync();
        row.Status.ShouldBe(RequestStatus.Issued);
        row.SubjectSerialNumber.ShouldBe("IDCCZ-AB1234567");
        row.DecidedBy.ShouldBe(world.Operator.UserName);
        row.CertificateId.ShouldBe(issued.CertificateId);

        var check = await world.Data.DbAsync(db => db.IdentityChecks.AsNoTracking().SingleAsync(c => c.RequestId == world.Request.Id));
        check.DocumentType.ShouldBe(IdentityDocumentType.IdentityCard);
        check.DocumentNumber.ShouldBe("AB1234567");
        check.IssuingCountry.ShouldBe("CZ");
        (check.PhotoMatches && check.DocumentGenuine && check.DataMatch).ShouldBeTrue();
        check.CheckedBy.ShouldBe(world.Operator.UserName);
        check.Note.ShouldBe("Občanský průkaz předložen osobně.");

        // The certificate's subject carries the document's identifier as its serialNumber (2.5.4.5), as .NET and openssl read it.
        var certificate = await world.Data.DbAsync(db => db.Certificates.AsNoTracking().SingleAsync(c => c.Id == issued.CertificateId));
        certificate.SerialNumber.ShouldBe(issued.SerialNumber);
        certificate.ApplicantId.ShouldBe(world.Applicant.Id);
        certificate.DeviceId.ShouldBe(world.Device.Id);
        using (var x509 = X509CertificateLoader.LoadCertificate(certificate.Der))
        {
            var serialNumbers = x509.SubjectName.EnumerateRelativeDistinguishedNames()
                .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.5")
                .Select(rdn => rdn.GetSingleElementValue())
                .ToArray();
            serialNumbers.ShouldBe(["IDCCZ-AB1234567"]);
            x509.SerialNumber.ShouldBe(issued.SerialNumber, StringCompareShould.IgnoreCase);
            SubjectSerialNumberTag(x509).ShouldBe(UniversalTagNumber.PrintableString);
        }

        var text = await OpensslJudge.TextAsync(certificate.Der);
        text.ShouldMatch(@"Subject:.*serialNumber\s?=\s?IDCCZ-AB1234567");
        var asn1 = await OpensslJudge.Asn1Async(certificate.Der);
        OpensslJudge.Objects(asn1).ShouldContain("serialNumber");
        asn1.ShouldContain(":IDCCZ-AB1234567");

        (await world.Data.DbAsync(db => db.DeviceBindings.AsNoTracking().CountAsync(b => b.DeviceId == world.Device.Id && b.ApplicantId == world.Applicant.Id && b.CancelledAtUtc == null)))
            .ShouldBe(1);

        var audit = await world.Data.AuditAsync();
        var verified = audit.Where(a => a.Action == AuditActions.IdentityVerified && a.Subject == AuditSubjects.Request(world.Request.Id)).ShouldHaveSingleItem();
        verified.Actor.ShouldBe(world.Operator.UserName);
        verified.OnBehalfOf.ShouldBeNull();
        verified.Details.ShouldNotBeNull().ShouldContain("IDCCZ-AB1234567");
        verified.Details.ShouldContain(world.Request.RequestNumber);
        audit.ShouldContain(a => a.Action == AuditActions.CertificateIssued && a.Subject == AuditSubjects.Certificate(issued.CertificateId) && a.Actor == world.Operator.UserName);

        var mail = await world.Data.DbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.Recipient == world.Applicant.Email).ToListAsync());
        mail.ShouldHaveSingleItem().Kind.ShouldBe("certificate.issued");
        mail[0].Body.ShouldContain(issued.SerialNumber);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_personal_number_stays_the_subject_s_identifier_and_an_administrator_may_approve(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await RegistrationWorld.CreateAsync(data, personalIdentifier: "800505/1234");
        var admin = await data.AccountAsync(PortalRoles.Admin);

        var outcome = await world.ApproveAsync(admin, RegistrationWorld.GoodDocument() with { DocumentType = IdentityDocumentType.Passport });

        outcome.Issued.ShouldNotBeNull();
        (await world.RowAsync()).SubjectSerialNumber.ShouldBeNull("the personal number gives PNOCZ- at issuance");
        var der = await data.DbAsync(db => db.Certificates.AsNoTracking().Where(c => c.Id == outcome.Issued.CertificateId).Select(c => c.Der).SingleAsync());
        (await OpensslJudge.TextAsync(der)).ShouldMatch(@"serialNumber\s?=\s?PNOCZ-8005051234");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Customers_and_support_staff_in_a_customer_s_session_are_refused_and_audited(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await RegistrationWorld.CreateAsync(data);
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, world.Organisation);
        var support = await data.AccountAsync(PortalRoles.Support);
        // Support staff who are RA operators too: inside a customer's session they act as the customer, never as RA.
        await RegistrationWorld.AddRoleAsync(portals[provider].App.Services, support, PortalRoles.RaOperator);
        var session = await data.AsAsync<SupportService, Outcome<long>>(support, s => s.StartAsync(world.Holder.UserId, "HD-2026-0815"));
        session.Succeeded.ShouldBeTrue();

        foreach (var account in new[] { world.Holder, representative, support })
        {
            await Should.ThrowAsync<AccessRefusedException>(() => world.ApproveAsync(account));
            await Should.ThrowAsync<AccessRefusedException>(() => world.RejectAsync("Podvod", account));
            await Should.ThrowAsync<AccessRefusedException>(() => data.AsAsync<IdentityVerification, RegistrationRequest?>(account, s => s.FindAsync(world.Request.RequestNumber)));
        }

        var plainSupport = await data.AccountAsync(PortalRoles.Support);
        await Should.ThrowAsync<AccessRefusedException>(() => world.ApproveAsync(plainSupport));

        var row = await world.RowAsync();
        row.Status.ShouldBe(RequestStatus.Submitted);
        row.SubjectSerialNumber.ShouldBeNull();
        (await data.DbAsync(db => db.IdentityChecks.CountAsync(c => c.RequestId == world.Request.Id))).ShouldBe(0);
        var refusals = (await data.AuditAsync()).Where(a => a.Action == AuditActions.AccessRefused && a.Subject == AuditSubjects.Request(world.Request.Id)).ToArray();
        refusals.ShouldContain(a => a.Actor == world.Holder.UserName && a.Details!.Contains("registration.approve"));
        refusals.ShouldContain(a => a.Actor == representative.UserName);
        refusals.ShouldContain(a => a.Actor == support.UserName && a.OnBehalfOf == world.Holder.UserName && a.SupportSessionId == session.Value);
        refusals.ShouldContain(a => a.Actor == plainSupport.UserName);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Two_operators_approving_at_once_record_one_check_and_issue_one_certificate(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await RegistrationWorld.CreateAsync(data);
        var second = await data.AccountAsync(PortalRoles.RaOperator);

        var outcomes = await Task.WhenAll(world.ApproveAsync(), world.ApproveAsync(second));

        outcomes.Count(o => o.Issued is not null).ShouldBe(1);
        outcomes.Single(o => o.Issued is null).Refusal.ShouldBe(RegistrationRefusal.NotWaiting);
        (await data.DbAsync(db => db.Certificates.CountAsync(c => c.ApplicantId == world.Applicant.Id))).ShouldBe(1);
        (await data.DbAsync(db => db.IdentityChecks.CountAsync(c => c.RequestId == world.Request.Id))).ShouldBe(1);
        (await data.AuditAsync()).Count(a => a.Action == AuditActions.IdentityVerified && a.Subject == AuditSubjects.Request(world.Request.Id)).ShouldBe(1);
        (await world.RowAsync()).Status.ShouldBe(RequestStatus.Issued);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_document_that_does_not_pass_is_refused_field_by_field_and_nothing_is_recorded(DatabaseProvider provider)
    {
        var world = await RegistrationWorld.CreateAsync(portals.Data(provider));

        var expired = await world.ApproveAsync(document: RegistrationWorld.GoodDocument() with { ValidUntil = DateTime.Today.AddDays(-2) });
        expired.Refusal.ShouldBe(RegistrationRefusal.Invalid);
        expired.Errors.Select(e => (e.Field, e.MessageKey)).ShouldBe([(nameof(IdentityDocumentInput.ValidUntil), IdentityDocumentRules.DocumentExpired)]);

        var unticked = await world.ApproveAsync(document: RegistrationWorld.GoodDocument() with { DocumentGenuine = false });
        unticked.Errors.Select(e => (e.Field, e.MessageKey)).ShouldBe([(nameof(IdentityDocumentInput.DocumentGenuine), IdentityDocumentRules.CheckRequired)]);

        var malformed = await world.ApproveAsync(document: RegistrationWorld.GoodDocument("12-34") with { IssuingCountry = "XX", ValidUntil = null, PhotoMatches = false, DataMatch = false });
        malformed.Errors.Select(e => (e.Field, e.MessageKey)).ShouldBe(
        [
            (nameof(IdentityDocumentInput.DocumentNumber), IdentityDocumentRules.DocumentNumberInvalid),
            (nameof(IdentityDocumentInput.IssuingCountry), IdentityDocumentRules.CountryInvalid),
            (nameof(IdentityDocumentInput.ValidUntil), InputRules.Required),
            (nameof(IdentityDocumentInput.PhotoMatches), IdentityDocumentRules.CheckRequired),
            (nameof(IdentityDocumentInput.DataMatch), IdentityDocumentRules.CheckRequired),
        ], ignoreOrder: true);

        foreach (var error in expired.Errors.Concat(unticked.Errors).Concat(malformed.Errors))
        {
            TextsInBothLanguages(error.MessageKey, error.Arguments);
        }

        TextsInBothLanguages($"Registration.Refusal.{RegistrationRefusal.Invalid}");
        (await world.RowAsync()).Status.ShouldBe(RequestStatus.Submitted);
        (await world.Data.DbAsync(db => db.IdentityChecks.CountAsync(c => c.RequestId == world.Request.Id))).ShouldBe(0);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Requests_not_waiting_for_the_check_are_refused_with_their_reason(DatabaseProvider provider)
    {
        var data = portals.Data(provider);

        var issued = await RegistrationWorld.CreateAsync(data, status: RequestStatus.Issued);
        (await issued.ApproveAsync()).Refusal.ShouldBe(RegistrationRefusal.NotWaiting);
        var rejected = await RegistrationWorld.CreateAsync(data, status: RequestStatus.Rejected);
        (await rejected.ApproveAsync()).Refusal.ShouldBe(RegistrationRefusal.NotWaiting);
        var prepared = await RegistrationWorld.CreateAsync(data, status: RequestStatus.Prepared);
        (await prepared.ApproveAsync()).Refusal.ShouldBe(RegistrationRefusal.NotWaiting);
        var subsequent = await RegistrationWorld.CreateAsync(data, kind: RequestKind.Subsequent);
        (await subsequent.ApproveAsync()).Refusal.ShouldBe(RegistrationRefusal.NotInitial);
        var changed = await RegistrationWorld.CreateAsync(data);
        (await changed.ApproveAsync(revision: 1)).Refusal.ShouldBe(RegistrationRefusal.ChangedMeanwhile);
        var gone = await data.AsAsync<IdentityVerification, ApprovalOutcome>(changed.Operator, s => s.ApproveAsync(long.MaxValue, 0, RegistrationWorld.GoodDocument()));
        gone.Refusal.ShouldBe(RegistrationRefusal.NotFound);

        (await issued.RowAsync()).Status.ShouldBe(RequestStatus.Issued);
        (await rejected.RowAsync()).Status.ShouldBe(RequestStatus.Rejected);
        (await subsequent.RowAsync()).Status.ShouldBe(RequestStatus.Submitted);
        (await changed.RowAsync()).Status.ShouldBe(RequestStatus.Submitted);
        foreach (var refusal in Enum.GetValues<RegistrationRefusal>())
        {
            TextsInBothLanguages($"Registration.Refusal.{refusal}");
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_blocked_applicant_s_request_is_verified_but_the_CA_s_refusal_comes_back_typed_and_nothing_is_issued(DatabaseProvider provider)
    {
        var world = await RegistrationWorld.CreateAsync(portals.Data(provider), blocked: true);

        var outcome = await world.ApproveAsync();

        outcome.Issued.ShouldBeNull();
        outcome.Refusal.ShouldBe(RegistrationRefusal.NotIssued);
        outcome.IssuanceRefusal.ShouldBe(IssuanceRefusal.ApplicantBlocked);
        var row = await world.RowAsync();
        row.Status.ShouldBe(RequestStatus.Verified, "the identity check stands; the request waits, unissued");
        row.CertificateId.ShouldBeNull();
        (await world.Data.DbAsync(db => db.Certificates.CountAsync(c => c.ApplicantId == world.Applicant.Id))).ShouldBe(0);
        (await world.Data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.IssuanceRefused && a.Subject == AuditSubjects.Request(world.Request.Id) && a.Details!.Contains("ApplicantBlocked"));
        foreach (var culture in PortalLocalization.Supported)
        {
            var text = Texts.Format("Registration.NotIssued", culture, Texts.Get("Issuance.Refusal.ApplicantBlocked", culture));
            text.ShouldNotContain("ApplicantBlocked");
        }

        // A verified request that cannot be issued may still be rejected.
        (await world.RejectAsync("Žadatel je blokován.")).Rejected.ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Rejection_needs_a_reason_then_mails_the_holder_and_is_audited(DatabaseProvider provider)
    {
        var world = await RegistrationWorld.CreateAsync(portals.Data(provider));

        var none = await world.RejectAsync("   ");
        none.Rejected.ShouldBeFalse();
        none.Refusal.ShouldBe(RegistrationRefusal.Invalid);
        none.Errors.Select(e => (e.Field, e.MessageKey)).ShouldBe([("Reason", InputRules.Required)]);
        (await world.RejectAsync(new string('x', IdentityVerification.ReasonMaxLength + 1))).Errors.ShouldHaveSingleItem().MessageKey.ShouldBe(InputRules.TooLong);
        (await world.RowAsync()).Status.ShouldBe(RequestStatus.Submitted);

        var outcome = await world.RejectAsync("  Doklad neodpovídá osobě.  ");

        outcome.Rejected.ShouldBeTrue();
        outcome.Refusal.ShouldBeNull();
        var row = await world.RowAsync();
        row.Status.ShouldBe(RequestStatus.Rejected);
        row.RejectionReason.ShouldBe("Doklad neodpovídá osobě.");
        row.DecidedBy.ShouldBe(world.Operator.UserName);
        var mail = (await world.Data.DbAsync(db => db.OutboxMessages.AsNoTracking().Where(m => m.Recipient == world.Applicant.Email).ToListAsync())).ShouldHaveSingleItem();
        mail.Kind.ShouldBe("request.rejected");
        mail.Subject.ShouldContain(world.Request.RequestNumber);
        mail.Body.ShouldContain("Doklad neodpovídá osobě.");
        mail.Body.ShouldContain(Texts.Format("Mail.RequestRejected.Body", PortalLocalization.English, world.Request.SubjectName, world.Request.RequestNumber, "Doklad neodpovídá osobě."));
        var audited = (await world.Data.AuditAsync()).Where(a => a.Action == AuditActions.RequestRejected && a.Subject == AuditSubjects.Request(world.Request.Id)).ShouldHaveSingleItem();
        audited.Actor.ShouldBe(world.Operator.UserName);
        audited.Details.ShouldNotBeNull().ShouldContain("Doklad neodpovídá osobě.");

        (await world.RejectAsync("Znovu")).Refusal.ShouldBe(RegistrationRefusal.NotWaiting);
        (await world.ApproveAsync()).Refusal.ShouldBe(RegistrationRefusal.NotWaiting);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Find_gives_nothing_for_unknown_or_malformed_numbers(DatabaseProvider provider)
    {
        var world = await RegistrationWorld.CreateAsync(portals.Data(provider));

        foreach (var number in new[] { "BP0000000000", "", "   ", null, "BP123", world.Request.RequestNumber + "0", "' OR 1=1 --" })
        {
            (await world.Data.AsAsync<IdentityVerification, RegistrationRequest?>(world.Operator, s => s.FindAsync(number))).ShouldBeNull(number);
        }
    }

    private static UniversalTagNumber SubjectSerialNumberTag(X509Certificate2 certificate)
    {
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.5")
            {
                var reader = new AsnReader(rdn.RawData, AsnEncodingRules.DER).ReadSetOf().ReadSequence();
                reader.ReadObjectIdentifier();
                return (UniversalTagNumber)reader.PeekTag().TagValue;
            }
        }

        throw new InvalidOperationException("no serialNumber");
    }

    private static void TextsInBothLanguages(string key, params object[] arguments)
    {
        foreach (var culture in PortalLocalization.Supported)
        {
            Texts.Format(key, culture, arguments).ShouldNotBeNullOrWhiteSpace(key);
        }
    }
}

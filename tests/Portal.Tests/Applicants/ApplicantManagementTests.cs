using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Applicants;

/// <summary>The representative's applicant management through the service layer, on both databases.</summary>
public sealed class ApplicantManagementTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    private static ApplicantInput Valid(string? employeeNumber = null) => new()
    {
        FirstName = "Kateřina",
        LastName = "Nováčková-Šťastná",
        Email = "katerina.novackova@example.cz",
        Phone = "+420 603 123 456",
        EmployeeNumber = employeeNumber,
        DateOfBirth = new DateOnly(1988, 2, 29),
    };

    private async Task<(TestData Data, Organisation Organisation, TestAccount Representative)> RepresentativeAsync(DatabaseProvider provider, bool multiYear = true)
    {
        var data = portals.Data(provider);
        var organisation = await data.OrganisationAsync(multiYear: multiYear);
        return (data, organisation, await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Registering_stores_the_applicant_in_the_representatives_organisation_and_audits_it(DatabaseProvider provider)
    {
        var (data, organisation, representative) = await RepresentativeAsync(provider);
        var employeeNumber = TestData.Unique("e-");

        var outcome = await data.AsAsync<ApplicantService, Outcome<long>>(representative, s => s.RegisterAsync(Valid(employeeNumber)));

        outcome.Succeeded.ShouldBeTrue(string.Join(", ", outcome.Errors.Select(e => $"{e.Field}:{e.MessageKey}")));
        var stored = await data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == outcome.Value));
        stored.OrganisationId.ShouldBe(organisation.Id);
        stored.EmployeeNumber.ShouldBe(employeeNumber.ToUpperInvariant());
        stored.SearchName.ShouldBe("novackova stastna katerina");
        var audit = (await data.AuditAsync()).Single(a => a.Action == AuditActions.ApplicantRegistered && a.Subject == AuditSubjects.Applicant(outcome.Value));
        audit.Actor.ShouldBe(representative.UserName);
        audit.OnBehalfOf.ShouldBeNull();
        audit.Details.ShouldNotBeNull().ShouldContain("Nováčková-Šťastná");
    }

    public static TheoryData<DatabaseProvider, string, string, string> HostileInputs()
    {
        var data = new TheoryData<DatabaseProvider, string, string, string>();
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql })
        {
            data.Add(provider, nameof(ApplicantInput.FirstName), new string('A', 101), InputRules.TooLong);
            data.Add(provider, nameof(ApplicantInput.LastName), "<script>alert('x')</script>", InputRules.Markup);
            data.Add(provider, nameof(ApplicantInput.LastName), "Robert'); DROP TABLE Applicants;--", InputRules.Name);
            data.Add(provider, nameof(ApplicantInput.FirstName), "", InputRules.Required);
            data.Add(provider, nameof(ApplicantInput.Email), "not-an-email", InputRules.Email);
            data.Add(provider, nameof(ApplicantInput.Email), "\"Eve\" <eve@example.cz>", InputRules.Email);
            data.Add(provider, nameof(ApplicantInput.Email), "a@b@example.cz", InputRules.Email);
            data.Add(provider, nameof(ApplicantInput.Phone), "call me maybe", InputRules.Phone);
            data.Add(provider, nameof(ApplicantInput.EmployeeNumber), "ÉČ 12", InputRules.EmployeeNumber);
            data.Add(provider, nameof(ApplicantInput.EmployeeNumber), new string('7', 33), InputRules.TooLong);
            data.Add(provider, nameof(ApplicantInput.PersonalIdentifier), "<b>800101/1234</b>", InputRules.PersonalIdentifier);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public async Task Malformed_or_hostile_input_is_refused_with_its_message_and_changes_nothing(DatabaseProvider provider, string field, string value, string messageKey)
    {
        var (data, _, representative) = await RepresentativeAsync(provider);
        var input = Valid();
        typeof(ApplicantInput).GetProperty(field)!.SetValue(input, value);
        var applicantsBefore = await data.DbAsync(db => db.Applicants.CountAsync());
        var auditBefore = (await data.AuditAsync()).Count(a => a.Actor == representative.UserName);

        var outcome = await data.AsAsync<ApplicantService, Outcome<long>>(representative, s => s.RegisterAsync(input));

        outcome.Succeeded.ShouldBeFalse();
        outcome.Errors.ShouldContain(e => e.Field == field && e.MessageKey == messageKey);
        Texts.Get(messageKey, Texts.Culture("cs")).ShouldNotBeNullOrWhiteSpace();
        Texts.Get(messageKey, Texts.Culture("en")).ShouldNotBeNullOrWhiteSpace();
        (await data.DbAsync(db => db.Applicants.CountAsync())).ShouldBe(applicantsBefore);
        (await data.AuditAsync()).Count(a => a.Actor == representative.UserName).ShouldBe(auditBefore);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_duplicate_employee_number_in_the_same_organisation_is_refused_but_allowed_in_another(DatabaseProvider provider)
    {
        var (data, _, representative) = await RepresentativeAsync(provider);
        var (_, _, otherRepresentative) = await RepresentativeAsync(provider);
        var number = TestData.Unique("dup-");

        (await data.AsAsync<ApplicantService, Outcome<long>>(representative, s => s.RegisterAsync(Valid(number)))).Succeeded.ShouldBeTrue();
        var duplicate = await data.AsAsync<ApplicantService, Outcome<long>>(representative, s => s.RegisterAsync(Valid(number.ToLowerInvariant())));
        var elsewhere = await data.AsAsync<ApplicantService, Outcome<long>>(otherRepresentative, s => s.RegisterAsync(Valid(number)));

        duplicate.Errors.ShouldHaveSingleItem().ShouldBe(new FieldError(nameof(ApplicantInput.EmployeeNumber), ApplicantService.EmployeeNumberTaken), new FieldErrorComparer());
        elsewhere.Succeeded.ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Changing_records_before_and_after_and_refuses_a_stale_form(DatabaseProvider provider)
    {
        var (data, organisation, representative) = await RepresentativeAsync(provider);
        var applicant = await data.ApplicantAsync(organisation, "Petr", "Svoboda");
        var input = ApplicantInput.From(applicant);
        input.Email = "petr.svoboda@example.cz";
        input.LastName = "Svobodný";

        var changed = await data.AsAsync<ApplicantService, Outcome>(representative, s => s.ChangeAsync(applicant.Id, applicant.Revision, input));
        var stale = await data.AsAsync<ApplicantService, Outcome>(representative, s => s.ChangeAsync(applicant.Id, applicant.Revision, input));

        changed.Succeeded.ShouldBeTrue();
        stale.MessageKey.ShouldBe(ApplicantService.Changed);
        var stored = await data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == applicant.Id));
        stored.LastName.ShouldBe("Svobodný");
        stored.SearchName.ShouldBe("svobodny petr");
        stored.Revision.ShouldBe(applicant.Revision + 1);
        var audit = (await data.AuditAsync()).Single(a => a.Action == AuditActions.ApplicantChanged && a.Subject == AuditSubjects.Applicant(applicant.Id));
        using var details = JsonDocument.Parse(audit.Details!);
        details.RootElement.GetProperty("changed").EnumerateArray().Select(e => e.GetString()).ShouldBe(["LastName", "Email"], ignoreOrder: true);
        details.RootElement.GetProperty("before").GetProperty("LastName").GetString().ShouldBe("Svoboda");
        details.RootElement.GetProperty("after").GetProperty("LastName").GetString().ShouldBe("Svobodný");

        var trail = await data.AsAsync<ApplicantService, IReadOnlyList<AuditEvent>>(representative, s => s.TrailAsync(applicant.Id));
        trail.ShouldContain(a => a.Action == AuditActions.ApplicantChanged);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_blocked_applicant_gets_no_new_issuance_data_until_unblocked(DatabaseProvider provider)
    {
        var (data, organisation, representative) = await RepresentativeAsync(provider);
        var applicant = await data.ApplicantAsync(organisation, "Eva", "Horáková");
        var device = await data.DeviceAsync(applicant);
        var issuance = new IssuanceInput { Type = CertificateType.Qualified, SubjectName = "Eva Horáková", Email = "eva@example.cz", ValidityMonths = 12, DeviceId = device.Id };

        (await data.AsAsync<ApplicantService, Outcome>(representative, s => s.BlockAsync(applicant.Id, ""))).Errors.ShouldContain(e => e.Field == "Reason");
        (await data.AsAsync<ApplicantService, Outcome>(representative, s => s.BlockAsync(applicant.Id, "Odchod z firmy"))).Succeeded.ShouldBeTrue();
        var refused = await data.AsAsync<ApplicantService, Outcome<string>>(representative, s => s.PrepareIssuanceAsync(applicant.Id, issuance));
        (await data.AsAsync<ApplicantService, Outcome>(representative, s => s.UnblockAsync(applicant.Id))).Succeeded.ShouldBeTrue();
        var prepared = await data.AsAsync<ApplicantService, Outcome<string>>(representative, s => s.PrepareIssuanceAsync(applicant.Id, issuance));

        refused.MessageKey.ShouldBe(ApplicantService.Blocked);
        prepared.Succeeded.ShouldBeTrue(string.Join(", ", prepared.Errors.Select(e => e.MessageKey)));
        RequestNumbers.IsValid(prepared.Value).ShouldBeTrue(prepared.Value);
        prepared.Value.ShouldStartWith("BP");
        var request = await data.DbAsync(db => db.CertificateRequests.SingleAsync(r => r.ApplicantId == applicant.Id));
        request.Status.ShouldBe(RequestStatus.Prepared);
        request.DeviceId.ShouldBe(device.Id);
        request.Kind.ShouldBe(RequestKind.Initial);
        var actions = (await data.AuditAsync()).Where(a => a.Subject == AuditSubjects.Applicant(applicant.Id)).Select(a => a.Action).ToArray();
        actions.ShouldBe([AuditActions.ApplicantBlocked, AuditActions.ApplicantUnblocked, AuditActions.RequestPrepared]);
        (await data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Kind == "request.prepared" && m.Recipient == "eva@example.cz"))).ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Issuance_data_respect_the_contract_the_device_certification_and_the_binding(DatabaseProvider provider)
    {
        var (data, organisation, representative) = await RepresentativeAsync(provider, multiYear: false);
        var applicant = await data.ApplicantAsync(organisation, "Ivo", "Dvořák");
        var expired = await data.DeviceAsync(applicant, qscdUntil: DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1));
        var foreign = await data.DeviceAsync(await data.ApplicantAsync(organisation, "Jiný"));

        async Task<Outcome<string>> Prepare(IssuanceInput input) => await data.AsAsync<ApplicantService, Outcome<string>>(representative, s => s.PrepareIssuanceAsync(applicant.Id, input));

        (await Prepare(new() { SubjectName = "Ivo Dvořák", Email = "ivo@example.cz", ValidityMonths = 24 })).Errors.ShouldContain(e => e.MessageKey == "Validation.MultiYearNotAllowed");
        (await Prepare(new() { SubjectName = "Ivo Dvořák", Email = "ivo@example.cz", DeviceId = expired.Id })).Errors.ShouldContain(e => e.MessageKey == "Validation.DeviceNotQscd");
        (await Prepare(new() { SubjectName = "Ivo Dvořák", Email = "ivo@example.cz", DeviceId = foreign.Id })).Errors.ShouldContain(e => e.MessageKey == "Validation.DeviceNotBound");
        (await Prepare(new() { SubjectName = "<img src=x>", Email = "ivo@example.cz" })).Errors.ShouldContain(e => e.MessageKey == InputRules.Markup);
        var commercial = await Prepare(new() { Type = CertificateType.Commercial, SubjectName = "Ivo Dvořák", Email = "ivo@example.cz", DeviceId = expired.Id });
        commercial.Succeeded.ShouldBeTrue("a commercial certificate does not need a certified QSCD");
        commercial.Value.ShouldStartWith("KC");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Search_finds_by_name_prefix_without_diacritics_by_employee_number_and_by_device_serial_with_paging(DatabaseProvider provider)
    {
        var (data, organisation, representative) = await RepresentativeAsync(provider);
        var zdenek = await data.ApplicantAsync(organisation, "Zdeněk", "Čermák", employeeNumber: "HR-0042");
        await data.ApplicantAsync(organisation, "Žaneta", "Čermáková");
        await data.ApplicantAsync(organisation, "Cyril", "Cermanek");
        for (var i = 0; i < 23; i++)
        {
            await data.ApplicantAsync(organisation, "Pavel", $"Beneš{i:D2}");
        }

        var device = await data.DeviceAsync(zdenek, serial: TestData.Unique("TOKEN").ToUpperInvariant());

        async Task<ApplicantSearchResult> Search(ApplicantQuery query) => await data.AsAsync<ApplicantService, ApplicantSearchResult>(representative, s => s.SearchAsync(query));

        (await Search(new("cerma"))).Items.Select(i => i.LastName).ShouldBe(["Čermák", "Čermáková", "Cermanek"]);
        (await Search(new("ČERMÁK"))).Items.Select(i => i.LastName).ShouldBe(["Čermák", "Čermáková"]);
        (await Search(new("zdenek cer"))).Items.ShouldHaveSingleItem().Id.ShouldBe(zdenek.Id);
        (await Search(new("hr-00", ApplicantSearchField.EmployeeNumber))).Items.ShouldHaveSingleItem().Id.ShouldBe(zdenek.Id);
        var bySerial = (await Search(new(device.SerialNumber[..8].ToLowerInvariant(), ApplicantSearchField.DeviceSerial))).Items.ShouldHaveSingleItem();
        bySerial.Id.ShouldBe(zdenek.Id);
        bySerial.DeviceSerials.ShouldBe([device.SerialNumber]);

        var first = await Search(new("benes", Take: 10));
        var third = await Search(new("benes", Skip: 20, Take: 10));
        var descending = await Search(new("benes", Descending: true, Take: 1));
        first.Total.ShouldBe(23);
        first.Items.Select(i => i.LastName).ShouldBe(Enumerable.Range(0, 10).Select(i => $"Beneš{i:D2}"));
        third.Items.Select(i => i.LastName).ShouldBe(["Beneš20", "Beneš21", "Beneš22"]);
        descending.Items.Single().LastName.ShouldBe("Beneš22");
        (await Search(new("x", Take: 100_000))).Items.Count.ShouldBeLessThanOrEqualTo(ApplicantQuery.MaxTake);
        (await Search(new(new string('a', 500)))).Total.ShouldBeGreaterThan(0, "an over-long search is ignored, not an error");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_default_search_finds_by_name_employee_number_and_device_serial_at_once(DatabaseProvider provider)
    {
        var (data, organisation, representative) = await RepresentativeAsync(provider);
        var number = TestData.Unique("ZQ-").ToUpperInvariant();
        var byNumber = await data.ApplicantAsync(organisation, "Bohumil", "Hrabal", employeeNumber: number);
        var bySerial = await data.ApplicantAsync(organisation, "Ota", "Pavel");
        var device = await data.DeviceAsync(bySerial, serial: TestData.Unique("QQTOKEN").ToUpperInvariant());
        var byName = await data.ApplicantAsync(organisation, "Qqtokenka", "Zkoušková");

        async Task<ApplicantSearchResult> Search(string term) =>
            await data.AsAsync<ApplicantService, ApplicantSearchResult>(representative, s => s.SearchAsync(new ApplicantQuery(term)));

        (await Search(number[..6].ToLowerInvariant())).Items.ShouldHaveSingleItem().Id.ShouldBe(byNumber.Id);
        (await Search(device.SerialNumber)).Items.ShouldHaveSingleItem().Id.ShouldBe(bySerial.Id);
        var both = await Search("qqtoken");
        both.Items.Select(i => i.Id).ShouldBe([bySerial.Id, byName.Id], ignoreOrder: true);
        both.Total.ShouldBe(2);
        (await Search("hrabal")).Items.ShouldHaveSingleItem().Id.ShouldBe(byNumber.Id);
    }

    private sealed class FieldErrorComparer : IEqualityComparer<FieldError>
    {
        public bool Equals(FieldError? x, FieldError? y) => x?.Field == y?.Field && x?.MessageKey == y?.MessageKey;

        public int GetHashCode(FieldError obj) => obj.Field.GetHashCode(StringComparison.Ordinal);
    }
}

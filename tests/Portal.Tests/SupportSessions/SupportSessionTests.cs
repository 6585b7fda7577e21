using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.TestSupport;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Bindings;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.SupportSessions;

/// <summary>Support staff acting as a customer: banner, time limit (fake clock), audit with both identities, no agent, elevation.</summary>
public sealed class SupportSessionTests : IAsyncLifetime
{
    private readonly TestClock _clock = new(DateTimeOffset.UtcNow);
    private PortalServer _server = default!;
    private TestData _data = default!;

    public async Task InitializeAsync()
    {
        _server = await PortalServer.StartAsync(services => services.AddSingleton<TimeProvider>(_clock), "--Support:SessionLength", "02:00:00");
        _data = new TestData(_server.App.Services);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private sealed record Scene(TestAccount Staff, TestAccount Customer, Organisation Organisation, Applicant Applicant, Certificate Certificate, DeviceBinding FreeBinding);

    private async Task<Scene> SceneAsync(bool elevated = false)
    {
        var organisation = await _data.OrganisationAsync();
        var applicant = await _data.ApplicantAsync(organisation, "Marie", TestData.Unique("Zákaznice"));
        var device = await _data.DeviceAsync(applicant);
        var certificate = await _data.CertificateAsync(applicant, device);
        var freeDevice = await _data.DeviceAsync(applicant);
        var freeBinding = await _data.DbAsync(db => db.DeviceBindings.SingleAsync(b => b.DeviceId == freeDevice.Id));
        return new Scene(
            await _data.AccountAsync(PortalRoles.Support, elevated: elevated),
            await _data.AccountAsync(PortalRoles.CompanyRepresentative, organisation),
            organisation, applicant, certificate, freeBinding);
    }

    private async Task<long> StartAsync(Scene scene, string reason = "HD-2026-0815")
    {
        var outcome = await _data.AsAsync<SupportService, Outcome<long>>(scene.Staff, s => s.StartAsync(scene.Customer.UserId, reason));
        outcome.Succeeded.ShouldBeTrue(outcome.MessageKey ?? string.Join(", ", outcome.Errors.Select(e => e.MessageKey)));
        return outcome.Value;
    }

    /// <summary>
    /// A session started as the staff member's browser starts it (the start button is interactive): bound to that
    /// browser's sign-in, the account's open one that is not the test's own.
    /// </summary>
    private async Task<long> StartInBrowserAsync(Scene scene)
    {
        var id = await StartAsync(scene);
        var own = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(await _data.SignInOfAsync(scene.Staff))));
        await _data.DbAsync(async db =>
        {
            var browser = await db.SignInSessions.Where(s => s.UserId == scene.Staff.UserId && s.EndedAtUtc == null && s.TokenHash != own).SingleAsync();
            return await db.SupportSessions.Where(s => s.Id == id).ExecuteUpdateAsync(s => s.SetProperty(x => x.SignInSessionId, browser.Id));
        });
        return id;
    }

    private static string[] CustomerPages() =>
        ["/", "/token", "/certificates", "/requests", "/applicants", "/applicants/new", "/account", "/support", "/account/denied"];

    [Fact]
    public async Task The_banner_is_on_every_page_and_the_session_ends_by_itself_after_30_minutes()
    {
        var scene = await SceneAsync();
        using var browser = new PortalSession(_server.Address);
        await browser.SignInAsync(scene.Staff.UserName, scene.Staff.Password, scene.Staff.AuthenticatorKey);
        var sessionId = await StartInBrowserAsync(scene);
        var customerName = (await _data.DbAsync(db => db.Users.SingleAsync(u => u.Id == scene.Customer.UserId))).DisplayName;
        var staffName = (await _data.DbAsync(db => db.Users.SingleAsync(u => u.Id == scene.Staff.UserId))).DisplayName;
        var expected = Texts.Format("Support.Banner", Texts.Culture("cs"), $"{staffName} ({scene.Staff.UserName})", $"{customerName} ({scene.Customer.UserName})");

        foreach (var path in CustomerPages().Append($"/applicants/{scene.Applicant.Id}").Append($"/certificates/{scene.Certificate.Id}"))
        {
            var page = await browser.OkPageAsync(path);
            var banner = page.QuerySelector("[data-testid=support-banner]").ShouldNotBeNull(path);
            banner.QuerySelector("[data-testid=support-banner-text]")!.TextContent.ShouldBe(expected, path);
            banner.QuerySelector("form[action='support/session/end'] [data-testid=support-end]").ShouldNotBeNull(path);
        }

        // The staff member sees what the customer sees: the customer's organisation and its applicant.
        (await browser.OkPageAsync($"/applicants/{scene.Applicant.Id}")).QuerySelector("[data-testid=applicant-name]")!.TextContent.ShouldContain(scene.Applicant.LastName);
        (await browser.OkPageAsync("/")).QuerySelector("[data-testid=contract-number]")!.TextContent.ShouldContain(scene.Organisation.ContractNumber);

        _clock.Advance(TimeSpan.FromMinutes(29));
        (await browser.OkPageAsync("/")).QuerySelector("[data-testid=support-banner]").ShouldNotBeNull("29 minutes in, the session is still open");

        _clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var after = await browser.OkPageAsync("/");
        after.QuerySelector("[data-testid=support-banner]").ShouldBeNull("the 2-hour setting is capped at 30 minutes");
        after.QuerySelector("[data-testid=user-name]")!.TextContent.ShouldBe(staffName);
        (await browser.PageAsync($"/applicants/{scene.Applicant.Id}")).Status.ShouldBe(HttpStatusCode.Forbidden, "the customer's data are out of reach again");

        var session = await _data.DbAsync(db => db.SupportSessions.SingleAsync(s => s.Id == sessionId));
        session.EndReason.ShouldBe(SupportSessionEnd.Expired);
        session.EndedAtUtc.ShouldBe(session.StartedAtUtc + SupportOptions.MaxLength);
        var expiry = (await _data.AuditAsync()).Single(a => a.Action == AuditActions.SupportSessionExpired && a.SupportSessionId == sessionId);
        expiry.Actor.ShouldBe(scene.Staff.UserName);
        expiry.OnBehalfOf.ShouldBe(scene.Customer.UserName);
    }

    [Fact]
    public async Task Everything_done_in_a_session_is_audited_with_both_identities_and_the_customer_gets_a_mail()
    {
        var scene = await SceneAsync();
        var sessionId = await StartAsync(scene, "HD-2026-4711");

        var registered = await _data.AsAsync<ApplicantService, Outcome<long>>(scene.Staff, s => s.RegisterAsync(new ApplicantInput
        {
            FirstName = "Nový", LastName = "Zaměstnanec", Email = "novy@example.cz", DateOfBirth = new DateOnly(1999, 9, 9),
        }));

        registered.Succeeded.ShouldBeTrue();
        (await _data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == registered.Value))).OrganisationId.ShouldBe(scene.Organisation.Id);
        var events = (await _data.AuditAsync()).Where(a => a.SupportSessionId == sessionId).ToArray();
        events.Select(e => e.Action).ShouldBe([AuditActions.SupportSessionStarted, AuditActions.ApplicantRegistered]);
        events.ShouldAllBe(e => e.Actor == scene.Staff.UserName && e.OnBehalfOf == scene.Customer.UserName);
        events[0].Details.ShouldNotBeNull().ShouldContain("HD-2026-4711");

        var sender = _server.App.Services.GetRequiredService<OutboxSender>();
        (await sender.SendDueAsync()).ShouldBeGreaterThanOrEqualTo(1);
        var mails = Directory.GetFiles(sender.PickupDirectory, "*.eml").Select(Eml.Read).ToArray();
        var mail = mails.Single(m => m.Headers.Contains($"X-Receiver: {scene.Customer.UserName}@example.cz", StringComparison.Ordinal));
        mail.Body.ShouldContain("HD-2026-4711");
        mail.Body.ShouldContain(scene.Staff.UserName[^6..], Case.Sensitive, "the staff member is named");
        (await _data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Kind == "support.session.started" && m.Recipient == $"{scene.Customer.UserName}@example.cz")))
            .SentAtUtc.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_support_session_cannot_reach_the_agent_but_the_customer_and_the_staff_member_alone_can()
    {
        var scene = await SceneAsync();
        await using (var staffAlone = await _data.AsAsync(scene.Staff))
        {
            (await staffAlone.ServiceProvider.GetRequiredService<IAgentLinkPolicy>().DecideAsync()).Allowed.ShouldBeTrue();
        }

        await StartAsync(scene);

        await using (var inSession = await _data.AsAsync(scene.Staff))
        {
            var decision = await inSession.ServiceProvider.GetRequiredService<IAgentLinkPolicy>().DecideAsync();
            decision.Allowed.ShouldBeFalse();
            decision.Account.ShouldBe(scene.Staff.UserId, "the link follows the staff member's own sign-in");
            var bridge = inSession.ServiceProvider.GetRequiredService<global::Qtsp.Portal.AgentBridge.AgentBridge>();
            await bridge.StartAsync();
            bridge.State.ShouldBe(AgentConnectionState.Disabled);
        }

        await using var customer = await _data.AsAsync(scene.Customer);
        (await customer.ServiceProvider.GetRequiredService<IAgentLinkPolicy>().DecideAsync()).Allowed.ShouldBeTrue();
    }

    [Fact]
    public async Task Without_the_permission_revocation_blocking_and_binding_cancellation_are_refused_and_change_nothing()
    {
        var scene = await SceneAsync(elevated: false);
        await StartAsync(scene);
        await using var scope = await _data.AsAsync(scene.Staff);

        (await scope.ServiceProvider.GetRequiredService<RevocationService>().RevokeAsync(scene.Certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, null, "123456")))
            .MessageKey.ShouldBe(SupportElevation.NotPermitted);
        (await scope.ServiceProvider.GetRequiredService<ApplicantService>().BlockAsync(scene.Applicant.Id, "ticket says so"))
            .MessageKey.ShouldBe(SupportElevation.NotPermitted);
        (await scope.ServiceProvider.GetRequiredService<BindingService>().CancelAsync(scene.FreeBinding.Id, "handed over"))
            .MessageKey.ShouldBe(SupportElevation.NotPermitted);

        (await _data.DbAsync(db => db.Certificates.SingleAsync(c => c.Id == scene.Certificate.Id))).Status.ShouldBe(CertificateStatus.Issued);
        (await _data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == scene.Applicant.Id))).IsBlocked.ShouldBeFalse();
        (await _data.DbAsync(db => db.DeviceBindings.SingleAsync(b => b.Id == scene.FreeBinding.Id))).CancelledAtUtc.ShouldBeNull();
        (await _data.AuditAsync()).Count(a => a.Action == AuditActions.SupportElevationRefused && a.Actor == scene.Staff.UserName && a.OnBehalfOf == scene.Customer.UserName)
            .ShouldBe(3);
    }

    [Fact]
    public async Task With_the_permission_a_destructive_action_still_needs_a_fresh_code_from_the_staff_members_authenticator()
    {
        var scene = await SceneAsync(elevated: true);
        await StartAsync(scene);
        await using var scope = await _data.AsAsync(scene.Staff);
        var certificates = scope.ServiceProvider.GetRequiredService<RevocationService>();

        (await certificates.RevokeAsync(scene.Certificate.Id, new RevocationInput(RevocationReason.KeyCompromise))).MessageKey.ShouldBe(SupportElevation.CodeRequired);
        (await certificates.RevokeAsync(scene.Certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, null, Totp.WrongCode(scene.Staff.AuthenticatorKey!))))
            .MessageKey.ShouldBe(SupportElevation.CodeWrong);
        (await _data.DbAsync(db => db.Certificates.SingleAsync(c => c.Id == scene.Certificate.Id))).Status.ShouldBe(CertificateStatus.Issued);

        var revoked = await certificates.RevokeAsync(scene.Certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, null, Totp.Code(scene.Staff.AuthenticatorKey!)));

        revoked.Succeeded.ShouldBeTrue();
        var stored = await _data.DbAsync(db => db.Certificates.SingleAsync(c => c.Id == scene.Certificate.Id));
        stored.Status.ShouldBe(CertificateStatus.Revoked);
        stored.RevokedBy.ShouldBe(scene.Staff.UserName);
        var audit = (await _data.AuditAsync()).Where(a => a.Actor == scene.Staff.UserName).Select(a => (a.Action, a.OnBehalfOf)).ToArray();
        audit.ShouldContain((AuditActions.SupportElevationConfirmed, scene.Customer.UserName));
        audit.ShouldContain((AuditActions.CertificateRevoked, scene.Customer.UserName));
        (await _data.AuditAsync()).ShouldAllBe(a => a.Details == null || !a.Details.Contains(scene.Staff.AuthenticatorKey!, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Only_support_staff_open_sessions_only_for_customer_accounts_and_always_with_a_reason()
    {
        var scene = await SceneAsync();
        var otherStaff = await _data.AccountAsync(PortalRoles.Support);

        await Should.ThrowAsync<AccessRefusedException>(() => _data.AsAsync<SupportService, Outcome<long>>(scene.Customer, s => s.StartAsync(scene.Staff.UserId, "x")));
        (await _data.AsAsync<SupportService, Outcome<long>>(scene.Staff, s => s.StartAsync(otherStaff.UserId, "HD-1"))).MessageKey.ShouldBe(SupportService.NotACustomer);
        (await _data.AsAsync<SupportService, Outcome<long>>(scene.Staff, s => s.StartAsync(scene.Customer.UserId, " "))).Errors.ShouldContain(e => e.Field == "Reason" && e.MessageKey == InputRules.Required);
        (await _data.AsAsync<SupportService, Outcome<long>>(scene.Staff, s => s.StartAsync(scene.Customer.UserId, "<script>x</script>"))).Errors.ShouldContain(e => e.MessageKey == InputRules.Markup);
        (await _data.AsAsync<SupportService, Outcome<long>>(scene.Staff, s => s.StartAsync(scene.Customer.UserId, new string('x', 201)))).Errors.ShouldContain(e => e.MessageKey == InputRules.TooLong);
        (await _data.DbAsync(db => db.SupportSessions.CountAsync(s => s.StaffUserId == scene.Staff.UserId))).ShouldBe(0);

        var found = await _data.AsAsync<SupportService, IReadOnlyList<CustomerAccount>>(scene.Staff, s => s.SearchAsync(scene.Organisation.ContractNumber));
        found.Select(c => c.UserId).ShouldBe([scene.Customer.UserId]);
        (await _data.AsAsync<SupportService, IReadOnlyList<CustomerAccount>>(scene.Staff, s => s.SearchAsync(otherStaff.UserName))).ShouldBeEmpty("staff accounts are not customers");
    }

    [Fact]
    public async Task The_end_button_and_signing_out_end_the_session()
    {
        var scene = await SceneAsync();
        using var browser = new PortalSession(_server.Address);
        await browser.SignInAsync(scene.Staff.UserName, scene.Staff.Password, scene.Staff.AuthenticatorKey);
        var first = await StartInBrowserAsync(scene);

        var page = await browser.OkPageAsync("/certificates");
        using (var ended = await browser.PostFormByActionAsync(page, "support/session/end"))
        {
            ended.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            ended.Headers.Location!.OriginalString.ShouldBe("/support");
        }

        (await browser.OkPageAsync("/")).QuerySelector("[data-testid=support-banner]").ShouldBeNull();
        (await _data.DbAsync(db => db.SupportSessions.SingleAsync(s => s.Id == first))).EndReason.ShouldBe(SupportSessionEnd.Ended);

        var second = await StartInBrowserAsync(scene);
        var home = await browser.OkPageAsync("/");
        using (var signedOut = await browser.PostFormByActionAsync(home, "account/logout"))
        {
            signedOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            signedOut.Headers.Location!.OriginalString.ShouldBe(AccountSetup.LoginPath);
        }

        (await _data.DbAsync(db => db.SupportSessions.SingleAsync(s => s.Id == second))).EndReason.ShouldBe(SupportSessionEnd.Ended);
        (await browser.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await _data.AuditAsync()).Where(a => a.Action == AuditActions.SupportSessionEnded).Select(a => a.SupportSessionId).ShouldBe([first, second], ignoreOrder: true);
    }

    private string Code(TestAccount account) => Totp.Code(account.AuthenticatorKey!, _clock.GetUtcNow());

    /// <summary>The next time step: each elevation takes one, and a code of a used step is refused.</summary>
    private void NextStep() => _clock.Advance(TimeSpan.FromSeconds(30));

    // The test names carry digits (unique suffixes), which the form's name rule refuses: a real name for the form.
    private static ApplicantInput InputOf(Applicant applicant)
    {
        var input = ApplicantInput.From(applicant);
        input.LastName = "Zákaznice";
        return input;
    }

    private static IssuanceInput Issuance(string email) => new() { Type = CertificateType.Qualified, SubjectName = "Marie Zákaznice", Email = email, ValidityMonths = 12 };

    [Fact]
    public async Task Another_sign_in_of_the_same_staff_account_is_not_inside_the_customer_session()
    {
        var scene = await SceneAsync();
        var sessionId = await StartAsync(scene);
        var otherBrowser = await _data.NewSignInAsync(scene.Staff);

        await using (var inSession = await _data.AsAsync(scene.Staff))
        {
            (await inSession.ServiceProvider.GetRequiredService<CurrentActor>().RequireAsync()).Support.ShouldNotBeNull().SessionId.ShouldBe(sessionId);
        }

        await using (var elsewhere = await _data.AsAsync(scene.Staff, otherBrowser))
        {
            var actor = await elsewhere.ServiceProvider.GetRequiredService<CurrentActor>().RequireAsync();
            actor.Support.ShouldBeNull("the session belongs to the browser that started it");
            actor.UserId.ShouldBe(scene.Staff.UserId);
            await Should.ThrowAsync<AccessRefusedException>(() => elsewhere.ServiceProvider.GetRequiredService<ApplicantService>().GetAsync(scene.Applicant.Id));
            await Should.ThrowAsync<AccessRefusedException>(() => elsewhere.ServiceProvider.GetRequiredService<ApplicantService>().UnblockAsync(scene.Applicant.Id));
        }

        // The same over HTTP: a browser that signs in as the same staff member sees no banner and none of the customer's data.
        using var browser = new PortalSession(_server.Address);
        await browser.SignInAsync(scene.Staff.UserName, scene.Staff.Password, scene.Staff.AuthenticatorKey);
        (await browser.OkPageAsync("/")).QuerySelector("[data-testid=support-banner]").ShouldBeNull();
        (await browser.PageAsync($"/applicants/{scene.Applicant.Id}")).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await _data.DbAsync(db => db.SupportSessions.SingleAsync(s => s.Id == sessionId))).EndedAtUtc.ShouldBeNull("the session goes on in its own browser");
    }

    [Fact]
    public async Task Ending_the_staff_members_sign_in_ends_the_support_session_with_it()
    {
        var scene = await SceneAsync();
        var sessionId = await StartAsync(scene);

        (await _server.App.Services.GetRequiredService<SignInSessions>().RevokeAllAsync(scene.Staff.UserId, SignInSessionEnd.Reset)).ShouldBe(1);

        (await _data.DbAsync(db => db.SupportSessions.SingleAsync(s => s.Id == sessionId))).EndedAtUtc.ShouldNotBeNull();
        await using var scope = await _data.AsAsync(scene.Staff);
        (await scope.ServiceProvider.GetRequiredService<CurrentActor>().GetAsync()).ShouldBeNull("the sign-in itself is over");
    }

    [Fact]
    public async Task Without_elevation_unblocking_a_contact_change_and_issuance_data_are_refused_audited_and_change_nothing()
    {
        var scene = await SceneAsync(elevated: false);
        var blocked = await _data.ApplicantAsync(scene.Organisation, "Blanka", TestData.Unique("Blokovaná"), blocked: true);
        await StartAsync(scene);
        await using var scope = await _data.AsAsync(scene.Staff);
        var applicants = scope.ServiceProvider.GetRequiredService<ApplicantService>();
        var stored = await _data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == scene.Applicant.Id));

        (await applicants.UnblockAsync(blocked.Id, "123456")).MessageKey.ShouldBe(SupportElevation.NotPermitted);
        var newEmail = InputOf(stored);
        newEmail.Email = "outside@attacker.example";
        (await applicants.ChangeAsync(stored.Id, stored.Revision, newEmail)).MessageKey.ShouldBe(SupportElevation.NotPermitted);
        var newPhone = InputOf(stored);
        newPhone.Phone = "+420 777 000 111";
        (await applicants.ChangeAsync(stored.Id, stored.Revision, newPhone)).MessageKey.ShouldBe(SupportElevation.NotPermitted);
        (await applicants.PrepareIssuanceAsync(stored.Id, Issuance(stored.Email))).MessageKey.ShouldBe(SupportElevation.NotPermitted);

        (await _data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == blocked.Id))).IsBlocked.ShouldBeTrue();
        var after = await _data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == stored.Id));
        (after.Email, after.Phone, after.PendingEmail, after.Revision).ShouldBe((stored.Email, stored.Phone, (string?)null, stored.Revision));
        (await _data.DbAsync(db => db.CertificateRequests.CountAsync(r => r.ApplicantId == stored.Id))).ShouldBe(0);
        var refusals = (await _data.AuditAsync()).Where(a => a.Action == AuditActions.SupportElevationRefused).ToArray();
        refusals.Length.ShouldBe(4);
        refusals.ShouldAllBe(a => a.Actor == scene.Staff.UserName && a.OnBehalfOf == scene.Customer.UserName);
        string.Join("|", refusals.Select(a => a.Details)).ShouldContain("applicant.unblock");
        string.Join("|", refusals.Select(a => a.Details)).ShouldContain("applicant.contact");
        string.Join("|", refusals.Select(a => a.Details)).ShouldContain("request.prepare");

        // A change that does not touch how the applicant is reached needs no elevation.
        var newName = InputOf(stored);
        newName.FirstName = "Marta";
        (await applicants.ChangeAsync(stored.Id, stored.Revision, newName)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task With_elevation_they_work_and_an_address_entered_in_the_session_gets_no_mail_before_the_customer_confirms()
    {
        var scene = await SceneAsync(elevated: true);
        var blocked = await _data.ApplicantAsync(scene.Organisation, "Blanka", TestData.Unique("Blokovaná"), blocked: true);
        await StartAsync(scene);
        const string outside = "outside@attacker.example";
        var stored = await _data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == scene.Applicant.Id));
        await using (var scope = await _data.AsAsync(scene.Staff))
        {
            var applicants = scope.ServiceProvider.GetRequiredService<ApplicantService>();
            (await applicants.UnblockAsync(blocked.Id, Code(scene.Staff))).Succeeded.ShouldBeTrue();
            NextStep();

            var change = InputOf(stored);
            change.Email = outside;
            change.Phone = "+420 777 000 111";
            (await applicants.ChangeAsync(stored.Id, stored.Revision, change, Code(scene.Staff))).Succeeded.ShouldBeTrue();
            var changed = await _data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == stored.Id));
            changed.Email.ShouldBe(stored.Email, "the address on record stays in use");
            changed.PendingEmail.ShouldBe(outside);
            changed.Phone.ShouldBe("+420 777 000 111");
            NextStep();

            // Issuance data go only to the confirmed address: the outside one is refused before any code is used.
            (await applicants.PrepareIssuanceAsync(stored.Id, Issuance(outside), Code(scene.Staff))).Errors
                .ShouldContain(e => e.Field == nameof(IssuanceInput.Email) && e.MessageKey == PendingEmails.UnconfirmedAddress);
            (await applicants.PrepareIssuanceAsync(stored.Id, Issuance(stored.Email), Code(scene.Staff))).Succeeded.ShouldBeTrue();
            NextStep();

            // An applicant registered in the session: its address is unconfirmed, so no issuance data go to it from here.
            var registered = await applicants.RegisterAsync(new ApplicantInput { FirstName = "Nový", LastName = "Cizí", Email = "new@attacker.example", DateOfBirth = new DateOnly(1990, 1, 1) });
            registered.Succeeded.ShouldBeTrue();
            (await applicants.PrepareIssuanceAsync(registered.Value, Issuance("new@attacker.example"), Code(scene.Staff))).Errors
                .ShouldContain(e => e.MessageKey == PendingEmails.UnconfirmedAddress);

            // Staff cannot confirm what they entered, elevation or not.
            await Should.ThrowAsync<AccessRefusedException>(() => scope.ServiceProvider.GetRequiredService<PendingEmails>().ConfirmAsync(stored.Id));
        }

        var sender = _server.App.Services.GetRequiredService<OutboxSender>();
        await sender.SendDueAsync();
        (await _data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Recipient.Contains("attacker.example")))).ShouldBe(0, "nothing goes to an address entered in the session");
        (await _data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Kind == "applicant.email-pending"))).Recipient.ShouldBe($"{scene.Customer.UserName}@example.cz");
        (await _data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Kind == "request.prepared"))).Recipient.ShouldBe(stored.Email);
        var audit = await _data.AuditAsync();
        audit.ShouldContain(a => a.Action == AuditActions.ApplicantEmailPending && a.Actor == scene.Staff.UserName && a.OnBehalfOf == scene.Customer.UserName);
        audit.Count(a => a.Action == AuditActions.SupportElevationConfirmed).ShouldBe(3);

        // The customer, signed in themselves, confirms: from now on the new address is the applicant's.
        (await _data.AsAsync<PendingEmails, Outcome>(scene.Customer, e => e.ConfirmAsync(stored.Id))).Succeeded.ShouldBeTrue();
        var confirmed = await _data.DbAsync(db => db.Applicants.SingleAsync(a => a.Id == stored.Id));
        (confirmed.Email, confirmed.PendingEmail).ShouldBe((outside, (string?)null));
        (await _data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.ApplicantEmailConfirmed && a.Actor == scene.Customer.UserName && a.OnBehalfOf == null);
    }

    [Fact]
    public async Task One_code_authorises_one_elevation_whatever_the_action_and_an_old_code_none()
    {
        var scene = await SceneAsync(elevated: true);
        var blocked = await _data.ApplicantAsync(scene.Organisation, "Blanka", TestData.Unique("Blokovaná"), blocked: true);
        await StartAsync(scene);
        await using var scope = await _data.AsAsync(scene.Staff);
        var applicants = scope.ServiceProvider.GetRequiredService<ApplicantService>();
        var code = Code(scene.Staff);

        (await applicants.BlockAsync(scene.Applicant.Id, "HD ticket", code)).Succeeded.ShouldBeTrue();
        (await scope.ServiceProvider.GetRequiredService<RevocationService>().RevokeAsync(scene.Certificate.Id, new RevocationInput(RevocationReason.KeyCompromise, null, code)))
            .MessageKey.ShouldBe(SupportElevation.CodeWrong, "the block's code does not revoke");
        (await applicants.UnblockAsync(blocked.Id, code)).MessageKey.ShouldBe(SupportElevation.CodeWrong);
        (await scope.ServiceProvider.GetRequiredService<BindingService>().CancelAsync(scene.FreeBinding.Id, "handed over", code)).MessageKey.ShouldBe(SupportElevation.CodeWrong);

        _clock.Advance(TimeSpan.FromMinutes(2));
        (await applicants.UnblockAsync(blocked.Id, Totp.Code(scene.Staff.AuthenticatorKey!, _clock.GetUtcNow().AddSeconds(-60)))).MessageKey
            .ShouldBe(SupportElevation.CodeWrong, "a code two steps old");
        (await applicants.UnblockAsync(blocked.Id, Code(scene.Staff))).Succeeded.ShouldBeTrue();
        (await _data.DbAsync(db => db.Certificates.SingleAsync(c => c.Id == scene.Certificate.Id))).Status.ShouldBe(CertificateStatus.Issued);
    }
}

using System.Net;
using Qtsp.TestSupport;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>Sign-in through the real pages: password, the second factor where the role requires it, lockout, and no secret anywhere it could leak.</summary>
public sealed class SignInTests : IAsyncLifetime, IDisposable
{
    private readonly LogCapture _logs = new();
    private PortalServer _server = default!;
    private TestData _data = default!;

    public async Task InitializeAsync()
    {
        _server = await PortalServer.StartAsync(LogCapture.Into(_logs), "--Logging:LogLevel:Default", "Trace", "--Logging:LogLevel:Microsoft.EntityFrameworkCore", "Information");
        _data = new TestData(_server.App.Services);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _logs.Dispose();

    private PortalSession NewSession() => new(_server.Address);

    [Fact]
    public async Task A_holder_signs_in_with_the_password_and_sees_the_customer_pages()
    {
        var holder = await _data.AccountAsync(PortalRoles.Holder, applicant: await _data.ApplicantAsync(null));
        using var session = NewSession();

        await session.SignInAsync(holder.UserName, holder.Password);

        var page = await session.OkPageAsync("/token");
        page.QuerySelector("[data-testid=user-name]").ShouldNotBeNull().TextContent.ShouldContain("Test Holder");
        page.QuerySelector("[data-testid=contract-number]").ShouldBeNull("a holder has no contract");
        (await _data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.SignedIn && a.Actor == holder.UserName);
    }

    [Theory]
    [InlineData(PortalRoles.CompanyRepresentative)]
    [InlineData(PortalRoles.Support)]
    [InlineData(PortalRoles.RaOperator)]
    [InlineData(PortalRoles.Admin)]
    public async Task A_role_that_needs_a_second_factor_is_not_signed_in_by_the_password_alone(string role)
    {
        var account = await _data.AccountAsync(role, role == PortalRoles.CompanyRepresentative ? await _data.OrganisationAsync() : null, enrolled: true);
        using var session = NewSession();
        var login = await session.OkPageAsync("/account/login");

        using var afterPassword = await session.PostFormAsync("/account/login", login, "login",
            new Dictionary<string, string> { ["Input.UserName"] = account.UserName, ["Input.Password"] = account.Password });

        afterPassword.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        afterPassword.Headers.Location!.AbsolutePath.ShouldBe("/account/two-factor");
        // Only the short-lived second-factor cookie: no page opens yet.
        using var home = await session.GetAsync("/");
        home.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        home.Headers.Location!.AbsolutePath.ShouldBe("/account/login");

        var secondFactor = await session.OkPageAsync(afterPassword.Headers.Location.OriginalString);
        secondFactor.QuerySelector("[data-testid=totp-qr]").ShouldBeNull("the account has enrolled already");
        using var wrong = await session.PostFormAsync("/account/two-factor", secondFactor, "two-factor", new Dictionary<string, string> { ["Input.Code"] = Totp.WrongCode(account.AuthenticatorKey!) });
        wrong.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await session.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        using var right = await session.PostFormAsync("/account/two-factor", secondFactor, "two-factor", new Dictionary<string, string> { ["Input.Code"] = Totp.Code(account.AuthenticatorKey!) });
        right.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await session.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var audit = await _data.AuditAsync();
        audit.ShouldContain(a => a.Action == AuditActions.SecondFactorFailed && a.Actor == account.UserName);
        audit.ShouldContain(a => a.Action == AuditActions.SignedIn && a.Actor == account.UserName);
    }

    [Fact]
    public async Task A_representative_without_an_authenticator_enrols_one_with_a_qr_code_at_first_sign_in()
    {
        var organisation = await _data.OrganisationAsync();
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, organisation, enrolled: false);
        using var session = NewSession();
        var login = await session.OkPageAsync("/account/login");
        using var afterPassword = await session.PostFormAsync("/account/login", login, "login",
            new Dictionary<string, string> { ["Input.UserName"] = representative.UserName, ["Input.Password"] = representative.Password });

        var enrolment = await session.OkPageAsync(afterPassword.Headers.Location!.OriginalString);

        enrolment.QuerySelector("[data-testid=totp-qr]").ShouldNotBeNull().GetAttribute("src").ShouldStartWith("data:image/png;base64,");
        var key = enrolment.QuerySelector("[data-testid=totp-key]").ShouldNotBeNull().TextContent.Replace(" ", "", StringComparison.Ordinal);
        key.Length.ShouldBeGreaterThanOrEqualTo(16);
        (await session.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.Redirect, "no page before the second factor is set up");

        using var enrolled = await session.PostFormAsync("/account/two-factor", enrolment, "two-factor", new Dictionary<string, string> { ["Input.Code"] = await Totp.UnusedCodeAsync(key) });

        enrolled.StatusCode.ShouldBe(HttpStatusCode.OK, "the enrolment shows the new recovery codes once");
        (await enrolled.Content.ReadAsStringAsync()).ShouldContain("data-testid=\"recovery-code-item\"");
        var page = await session.OkPageAsync("/applicants");
        page.QuerySelector("[data-testid=contract-number]").ShouldNotBeNull().TextContent.ShouldContain(organisation.ContractNumber);
        (await _data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.SecondFactorEnrolled && a.Actor == representative.UserName);

        // The next sign-in asks for the code of the enrolled authenticator and shows no key any more.
        using var again = NewSession();
        (await again.SignInAsync(representative.UserName, representative.Password, key)).ShouldBe(key);
        (await again.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        var holder = await _data.AccountAsync(PortalRoles.Holder, applicant: await _data.ApplicantAsync(null));
        using var session = NewSession();
        string? message = null;
        for (var attempt = 1; attempt <= AccountSetup.MaxFailedAttempts; attempt++)
        {
            using var response = await PostPasswordAfterAnyDelayAsync(session, holder.UserName, $"Wrong-{attempt}-Password1");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            message = (new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()))
                .QuerySelector("[data-testid=login-error]")?.TextContent;
        }

        message.ShouldBe(Texts.Format("Login.LockedOut", Texts.Culture("cs"), (int)AccountSetup.LockoutTime.TotalMinutes));
        using var right = await PostPasswordAfterAnyDelayAsync(session, holder.UserName, holder.Password);
        right.StatusCode.ShouldBe(HttpStatusCode.OK, "a locked account does not sign in with the right password either (from this address)");
        (await session.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await _data.AuditAsync()).Count(a => a.Action == AuditActions.LockedOut && a.Actor == holder.UserName).ShouldBeGreaterThanOrEqualTo(1);
    }

    /// <summary>Posts a password, waiting out the address's progressive delay (429 with Retry-After) first, as a patient person would.</summary>
    private static async Task<HttpResponseMessage> PostPasswordAfterAnyDelayAsync(PortalSession session, string userName, string password)
    {
        while (true)
        {
            var login = await session.OkPageAsync("/account/login");
            var response = await session.PostFormAsync("/account/login", login, "login",
                new Dictionary<string, string> { ["Input.UserName"] = userName, ["Input.Password"] = password });
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            await Task.Delay(TimeSpan.FromSeconds(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture)));
            response.Dispose();
        }
    }

    /// <summary>The password step of a second-factor account in a new session: the second-factor page it is sent to.</summary>
    private async Task<(PortalSession Session, AngleSharp.Html.Dom.IHtmlDocument Page)> PasswordOnlyAsync(TestAccount account)
    {
        var session = NewSession();
        var login = await session.OkPageAsync("/account/login");
        using var afterPassword = await session.PostFormAsync("/account/login", login, "login",
            new Dictionary<string, string> { ["Input.UserName"] = account.UserName, ["Input.Password"] = account.Password });
        afterPassword.Headers.Location!.AbsolutePath.ShouldBe("/account/two-factor");
        return (session, await session.OkPageAsync(afterPassword.Headers.Location.OriginalString));
    }

    [Fact]
    public async Task A_sign_in_code_is_accepted_once()
    {
        var account = await _data.AccountAsync(PortalRoles.CompanyRepresentative, await _data.OrganisationAsync());
        var code = Totp.Code(account.AuthenticatorKey!);
        var (first, firstPage) = await PasswordOnlyAsync(account);
        var (second, secondPage) = await PasswordOnlyAsync(account);

        using var accepted = await first.PostFormAsync("/account/two-factor", firstPage, "two-factor", new Dictionary<string, string> { ["Input.Code"] = code });
        using var replayed = await second.PostFormAsync("/account/two-factor", secondPage, "two-factor", new Dictionary<string, string> { ["Input.Code"] = code });

        accepted.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        replayed.StatusCode.ShouldBe(HttpStatusCode.OK, "the same code a second time is refused");
        new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await replayed.Content.ReadAsStringAsync())
            .QuerySelector("[data-testid=two-factor-error]").ShouldNotBeNull().TextContent.ShouldBe(Texts.Get("TwoFactor.Wrong", Texts.Culture("cs")));
        (await first.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await second.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public async Task A_code_from_sixty_seconds_ago_is_refused_and_one_from_thirty_is_taken()
    {
        var account = await _data.AccountAsync(PortalRoles.Support);
        var (session, page) = await PasswordOnlyAsync(account);
        using (session)
        {
            var now = DateTimeOffset.UtcNow;
            using var old = await session.PostFormAsync("/account/two-factor", page, "two-factor", new Dictionary<string, string> { ["Input.Code"] = Totp.Code(account.AuthenticatorKey!, now.AddSeconds(-60)) });
            old.StatusCode.ShouldBe(HttpStatusCode.OK, "two time steps old");
            (await session.GetAsync("/support")).StatusCode.ShouldBe(HttpStatusCode.Redirect);

            using var recent = await session.PostFormAsync("/account/two-factor", page, "two-factor", new Dictionary<string, string> { ["Input.Code"] = Totp.Code(account.AuthenticatorKey!, now.AddSeconds(-30)) });
            recent.StatusCode.ShouldBe(HttpStatusCode.Redirect, "one step of clock drift is allowed");
        }
    }

    [Fact]
    public async Task The_enrolment_code_is_used_up_by_the_enrolment()
    {
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, await _data.OrganisationAsync(), enrolled: false);
        var (session, enrolment) = await PasswordOnlyAsync(representative);
        var key = enrolment.QuerySelector("[data-testid=totp-key]").ShouldNotBeNull().TextContent.Replace(" ", "", StringComparison.Ordinal);
        var code = Totp.Code(key);
        using (session)
        {
            using var enrolled = await session.PostFormAsync("/account/two-factor", enrolment, "two-factor", new Dictionary<string, string> { ["Input.Code"] = code });
            enrolled.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await enrolled.Content.ReadAsStringAsync()).ShouldContain("data-testid=\"recovery-code-item\"");
        }

        var (again, page) = await PasswordOnlyAsync(representative);
        using (again)
        {
            using var replayed = await again.PostFormAsync("/account/two-factor", page, "two-factor", new Dictionary<string, string> { ["Input.Code"] = code });
            replayed.StatusCode.ShouldBe(HttpStatusCode.OK, "the code that enrolled the authenticator does not sign in again");
        }
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("someone", "")]
    [InlineData("<script>alert(1)</script>", "x")]
    public async Task Missing_or_hostile_sign_in_input_gets_a_localised_message(string userName, string password)
    {
        using var session = NewSession();
        var login = await session.OkPageAsync("/account/login");

        using var response = await session.PostFormAsync("/account/login", login, "login",
            new Dictionary<string, string> { ["Input.UserName"] = userName, ["Input.Password"] = password });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldNotContain("<script>alert(1)</script>");
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        var message = page.QuerySelector("[data-testid=login-error]").ShouldNotBeNull().TextContent;
        message.ShouldBeOneOf(Texts.Get("Login.Missing", Texts.Culture("cs")), Texts.Get("Login.Failed", Texts.Culture("cs")));
    }

    [Fact]
    public async Task Passwords_authenticator_keys_and_codes_appear_in_no_log_address_or_audit_record()
    {
        var organisation = await _data.OrganisationAsync();
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, organisation, enrolled: false);
        using var session = NewSession();

        var key = await session.SignInAsync(representative.UserName, representative.Password);
        using var failing = NewSession();
        var login = await failing.OkPageAsync("/account/login");
        using var _ = await failing.PostFormAsync("/account/login", login, "login",
            new Dictionary<string, string> { ["Input.UserName"] = representative.UserName, ["Input.Password"] = "Almost" + representative.Password });

        var audit = string.Join('\n', (await _data.AuditAsync()).Select(a => $"{a.Actor} {a.Action} {a.Subject} {a.Details}"));
        var places = new Dictionary<string, string>
        {
            ["logs"] = _logs.Text,
            ["addresses"] = string.Join('\n', session.Locations.Concat(failing.Locations)),
            ["audit"] = audit,
        };
        _logs.Text.Length.ShouldBeGreaterThan(1000, "the capture sees the portal's logging");
        foreach (var (place, text) in places)
        {
            text.ShouldNotContain(representative.Password, Case.Sensitive, place);
            text.ShouldNotContain(key!, Case.Insensitive, place);
            text.ShouldNotContain(key!.ToLowerInvariant(), Case.Sensitive, place);
        }
    }

    [Fact]
    public async Task Changing_the_password_checks_it_says_why_in_the_users_language_and_keeps_the_second_factor()
    {
        var organisation = await _data.OrganisationAsync();
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);
        using var session = NewSession();
        await session.SignInAsync(representative.UserName, representative.Password, representative.AuthenticatorKey);

        async Task<string?> ChangeAsync(string current, string next, string confirm)
        {
            var page = await session.OkPageAsync("/account");
            using var response = await session.PostFormAsync("/account", page, "change-password", new Dictionary<string, string>
            {
                ["Input.Current"] = current, ["Input.New"] = next, ["Input.Confirm"] = confirm,
            });
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelector("[data-testid=password-message]")?.TextContent;
        }

        var cs = Texts.Culture("cs");
        (await ChangeAsync("wrong-Password-1", "Brand-New-Passw0rd", "Brand-New-Passw0rd")).ShouldBe(Texts.Get("Account.CurrentPasswordWrong", cs));
        (await ChangeAsync(representative.Password, "short", "short")).ShouldBe(Texts.Format("Account.PasswordPolicyFailed", cs, 12));
        (await ChangeAsync(representative.Password, "Brand-New-Passw0rd", "Brand-New-Passw0rX")).ShouldBe(Texts.Get("Account.PasswordMismatch", cs));
        (await ChangeAsync(representative.Password, "Brand-New-Passw0rd", "Brand-New-Passw0rd")).ShouldBe(Texts.Get("Account.PasswordChanged", cs));

        (await session.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK, "still signed in, with the second factor");
        using var again = NewSession();
        await again.SignInAsync(representative.UserName, "Brand-New-Passw0rd", representative.AuthenticatorKey);
        (await again.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await _data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.PasswordChanged && a.Actor == representative.UserName);
    }
}

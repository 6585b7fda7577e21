using System.Net;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>Recovery codes: shown once, stored hashed, each signs in once instead of an authenticator code, wrong ones count.</summary>
public sealed class RecoveryCodeTests : IAsyncLifetime
{
    private static int _addresses;
    private PortalServer _server = default!;
    private TestData _data = default!;

    public async Task InitializeAsync()
    {
        _server = await PortalServer.StartAsync();
        _data = new TestData(_server.App.Services);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_enrolment_shows_recovery_codes_once_and_each_signs_in_once_and_never_again()
    {
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, await _data.OrganisationAsync(), enrolled: false);
        var (session, enrolment) = await PasswordOnlyAsync(representative);
        List<string> codes;
        using (session)
        {
            var key = enrolment.QuerySelector("[data-testid=totp-key]").ShouldNotBeNull().TextContent.Replace(" ", "", StringComparison.Ordinal);
            using var enrolled = await session.PostFormAsync("/account/two-factor", enrolment, "two-factor", new Dictionary<string, string> { ["Input.Code"] = await Totp.UnusedCodeAsync(key) });
            enrolled.StatusCode.ShouldBe(HttpStatusCode.OK);
            var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await enrolled.Content.ReadAsStringAsync());
            codes = page.QuerySelectorAll("[data-testid=recovery-code-item]").Select(e => e.TextContent.Trim()).ToList();
            codes.Count.ShouldBe(RecoveryCodes.SetSize);
            codes.Distinct().Count().ShouldBe(codes.Count);
            (await session.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK, "the enrolment signed the session in");
            // Shown once: the second-factor page does not show them again, the account page only counts them.
            (await session.OkPageAsync("/account")).QuerySelector("[data-testid=recovery-codes]").ShouldBeNull();
        }

        var stored = await StoredCodesAsync(representative);
        stored.ShouldStartWith(RecoveryCodeHashes.Prefix);
        codes.ShouldAllBe(c => !stored.Contains(c, StringComparison.OrdinalIgnoreCase));

        // A code (typed in lower case) signs in instead of the authenticator's code, with the second factor.
        var (first, firstPage) = await PasswordOnlyAsync(representative);
        using (first)
        {
            using var accepted = await RedeemAsync(first, firstPage, codes[3].ToLowerInvariant());
            accepted.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            (await first.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK, "a representative's pages need the second factor");
        }

        // Never again.
        var (second, secondPage) = await PasswordOnlyAsync(representative);
        using (second)
        {
            using var replayed = await RedeemAsync(second, secondPage, codes[3]);
            replayed.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await replayed.Content.ReadAsStringAsync()).ShouldContain("data-testid=\"recovery-error\"");
            (await second.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        await using var scope = _server.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        (await users.CountRecoveryCodesAsync((await users.FindByIdAsync(representative.UserId))!)).ShouldBe(RecoveryCodes.SetSize - 1);
        var audit = await _data.AuditAsync();
        audit.Count(a => a.Action == AuditActions.RecoveryCodeUsed && a.Actor == representative.UserName).ShouldBe(1);
        audit.ShouldContain(a => a.Action == AuditActions.RecoveryCodeFailed && a.Actor == representative.UserName);
        audit.ShouldContain(a => a.Action == AuditActions.RecoveryCodesGenerated && a.Actor == representative.UserName);
    }

    [Fact]
    public async Task Wrong_recovery_codes_count_towards_the_lock_out_and_a_locked_account_takes_no_code()
    {
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, await _data.OrganisationAsync());
        var codes = await NewCodesAsync(representative);
        // Past the password before the lock-out: the second-factor page is open when the account locks.
        var (locked, lockedPage) = await PasswordOnlyAsync(representative);
        for (var attempt = 1; attempt <= AccountSetup.MaxFailedAttempts; attempt++)
        {
            var (session, page) = await PasswordOnlyAsync(representative);
            using (session)
            {
                using var wrong = await RedeemAsync(session, page, $"WRONG-{attempt:D5}");
                wrong.StatusCode.ShouldBe(HttpStatusCode.OK);
            }

            if (attempt < AccountSetup.MaxFailedAttempts)
            {
                (await _data.DbAsync(db => db.Users.Where(u => u.Id == representative.UserId).Select(u => u.AccessFailedCount).SingleAsync())).ShouldBe(attempt);
            }
        }

        (await _data.DbAsync(db => db.Users.Where(u => u.Id == representative.UserId).Select(u => u.LockoutEnd).SingleAsync())).ShouldNotBeNull();
        using (locked)
        {
            using var right = await RedeemAsync(locked, lockedPage, codes[0]);
            right.StatusCode.ShouldBe(HttpStatusCode.OK, "a locked account is not signed in by a right code either");
            (await locked.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        (await _data.AuditAsync()).Count(a => a.Action == AuditActions.RecoveryCodeFailed && a.Actor == representative.UserName).ShouldBe(AccountSetup.MaxFailedAttempts);
        (await StoredCodesAsync(representative)).ShouldStartWith(RecoveryCodeHashes.Prefix);
    }

    [Fact]
    public async Task Recovery_codes_go_through_the_second_factor_pages_rate_limit()
    {
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, await _data.OrganisationAsync());
        var (session, page) = await PasswordOnlyAsync(representative);
        using (session)
        {
            var statuses = new List<HttpStatusCode>();
            for (var attempt = 0; attempt < 11; attempt++)
            {
                using var response = await RedeemAsync(session, page, $"GUESS-{attempt:D5}");
                statuses.Add(response.StatusCode);
            }

            statuses.Take(10).ShouldAllBe(s => s == HttpStatusCode.OK);
            statuses[^1].ShouldBe(HttpStatusCode.TooManyRequests);
        }
    }

    [Fact]
    public async Task New_recovery_codes_on_the_account_page_need_a_fresh_code_and_replace_the_old_ones()
    {
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, await _data.OrganisationAsync());
        var old = await NewCodesAsync(representative);
        using var session = NewSession();
        await session.SignInAsync(representative.UserName, representative.Password, representative.AuthenticatorKey);
        var account = await session.OkPageAsync("/account");
        account.QuerySelector("[data-testid=recovery-remaining]").ShouldNotBeNull().TextContent.ShouldContain(RecoveryCodes.SetSize.ToString(System.Globalization.CultureInfo.InvariantCulture));

        using var refused = await session.PostFormAsync("/account", account, "recovery-codes", new Dictionary<string, string> { ["RecoveryConfirm.Code"] = Totp.WrongCode(representative.AuthenticatorKey!) });
        refused.StatusCode.ShouldBe(HttpStatusCode.OK);
        var refusedText = await refused.Content.ReadAsStringAsync();
        refusedText.ShouldContain("data-testid=\"recovery-message\"");
        refusedText.ShouldNotContain("data-testid=\"recovery-code-item\"");

        account = await session.OkPageAsync("/account");
        using var confirmed = await session.PostFormAsync("/account", account, "recovery-codes", new Dictionary<string, string> { ["RecoveryConfirm.Code"] = await Totp.UnusedCodeAsync(representative.AuthenticatorKey!) });
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await confirmed.Content.ReadAsStringAsync());
        var codes = page.QuerySelectorAll("[data-testid=recovery-code-item]").Select(e => e.TextContent.Trim()).ToList();
        codes.Count.ShouldBe(RecoveryCodes.SetSize);

        await using var scope = _server.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByIdAsync(representative.UserId))!;
        (await users.RedeemTwoFactorRecoveryCodeAsync(user, old[0])).Succeeded.ShouldBeFalse("the old set is replaced");
        (await users.RedeemTwoFactorRecoveryCodeAsync(user, codes[0])).Succeeded.ShouldBeTrue();
        (await _data.AuditAsync()).Count(a => a.Action == AuditActions.RecoveryCodesGenerated && a.Actor == representative.UserName).ShouldBe(2);
    }

    [Fact]
    public async Task Two_requests_racing_with_one_code_sign_in_once()
    {
        var representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, await _data.OrganisationAsync());
        var code = (await NewCodesAsync(representative))[0];
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var scope = _server.App.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            return (await users.RedeemTwoFactorRecoveryCodeAsync((await users.FindByIdAsync(representative.UserId))!, code)).Succeeded;
        }));
        results.Count(r => r).ShouldBe(1);
    }

    private async Task<IReadOnlyList<string>> NewCodesAsync(TestAccount account)
    {
        await using var scope = _server.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        return await scope.ServiceProvider.GetRequiredService<RecoveryCodes>().ReplaceAsync((await users.FindByIdAsync(account.UserId))!, account.UserName);
    }

    private Task<string> StoredCodesAsync(TestAccount account) => _data.DbAsync(db => db.UserTokens
        .Where(t => t.UserId == account.UserId && t.Name == PortalUserStore.RecoveryCodesName).Select(t => t.Value!).SingleAsync());

    private static Task<HttpResponseMessage> RedeemAsync(PortalSession session, IHtmlDocument page, string code) =>
        session.PostFormAsync("/account/two-factor", page, "recovery-code", new Dictionary<string, string> { ["RecoveryInput.Code"] = code });

    /// <summary>Each sign-in from an address of its own: the per-address limits are tested on their own.</summary>
    private PortalSession NewSession()
    {
        var session = new PortalSession(_server.Address);
        var number = Interlocked.Increment(ref _addresses);
        session.SetForwardedFor($"198.51.{number / 250}.{(number % 250) + 1}");
        return session;
    }

    private async Task<(PortalSession Session, IHtmlDocument Page)> PasswordOnlyAsync(TestAccount account)
    {
        var session = NewSession();
        var login = await session.OkPageAsync("/account/login");
        using var afterPassword = await session.PostFormAsync("/account/login", login, "login",
            new Dictionary<string, string> { ["Input.UserName"] = account.UserName, ["Input.Password"] = account.Password });
        afterPassword.Headers.Location!.AbsolutePath.ShouldBe("/account/two-factor");
        return (session, await session.OkPageAsync(afterPassword.Headers.Location.OriginalString));
    }
}

using System.Diagnostics;
using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>
/// Guessing passwords against the running portal: throttled per address and per account, the same answer and time for
/// accounts that exist and those that do not, and no way for a bystander to lock someone else out. The portal trusts the
/// tests as its proxy, so each simulated browser has an address of its own (X-Forwarded-For).
/// </summary>
public sealed class SignInThrottlingTests : IAsyncLifetime
{
    private PortalServer _server = default!;
    private TestData _data = default!;
    private int _nextAddress;

    public async Task InitializeAsync()
    {
        _server = await PortalServer.StartAsync("--Hosting:KnownProxies:0", "127.0.0.1");
        _data = new TestData(_server.App.Services);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private PortalSession From(string address)
    {
        var session = new PortalSession(_server.Address);
        session.SetForwardedFor(address);
        return session;
    }

    private string NewAddress() => $"198.51.100.{Interlocked.Increment(ref _nextAddress)}";

    private static async Task<(HttpStatusCode Status, string? Message, TimeSpan Took)> TryPasswordAsync(PortalSession session, string userName, string password)
    {
        var login = await session.OkPageAsync("/account/login");
        var watch = Stopwatch.StartNew();
        using var response = await session.PostFormAsync("/account/login", login, "login",
            new Dictionary<string, string> { ["Input.UserName"] = userName, ["Input.Password"] = password });
        watch.Stop();
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, page.QuerySelector("[data-testid=login-error]")?.TextContent, watch.Elapsed);
    }

    [Fact]
    public async Task Thirty_wrong_sign_ins_from_one_address_are_throttled_with_a_localised_page()
    {
        using var session = From(NewAddress());
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var login = await session.OkPageAsync("/account/login");
            var response = await session.PostFormAsync("/account/login", login, "login",
                new Dictionary<string, string> { ["Input.UserName"] = $"guess{attempt}", ["Input.Password"] = $"Guess-{attempt}-Password" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && refused is null)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeLessThanOrEqualTo(10, "at most the per-address allowance was answered");
        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBeGreaterThanOrEqualTo(20);
        using (refused.ShouldNotBeNull())
        {
            int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
            var page = new HtmlParser().ParseDocument(await refused.Content.ReadAsStringAsync());
            page.DocumentElement.GetAttribute("lang").ShouldBe("cs");
            page.QuerySelector("h1").ShouldNotBeNull().TextContent.ShouldBe(Texts.Get("Hosting.TooManyRequests.Title", Texts.Culture("cs")));
            refused.Headers.Contains("Content-Security-Policy").ShouldBeTrue();
        }

        using var other = From(NewAddress());
        (await TryPasswordAsync(other, "guess-elsewhere", "Guess-Password-1")).Status.ShouldBe(HttpStatusCode.OK, "another address is not held back");
    }

    [Fact]
    public async Task The_429_page_is_english_for_an_english_visitor()
    {
        using var session = new PortalSession(_server.Address, "en");
        session.SetForwardedFor(NewAddress());
        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 15 && refused is null; attempt++)
        {
            var response = await session.PostFormAsync("/revoke", await session.OkPageAsync("/revoke"), "revoke",
                new Dictionary<string, string> { ["Input.Identifier"] = "01AB", ["Input.Password"] = "not-it" });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }

        using (refused.ShouldNotBeNull("the revocation-password page is limited per address as well"))
        {
            var page = new HtmlParser().ParseDocument(await refused.Content.ReadAsStringAsync());
            page.DocumentElement.GetAttribute("lang").ShouldBe("en");
            page.QuerySelector("h1").ShouldNotBeNull().TextContent.ShouldBe(Texts.Get("Hosting.TooManyRequests.Title", Texts.Culture("en")));
        }
    }

    [Fact]
    public async Task Unknown_and_real_accounts_get_the_same_answer_in_about_the_same_time()
    {
        var holder = await _data.AccountAsync(PortalRoles.Holder, applicant: await _data.ApplicantAsync(null));
        var unknown = TestData.Unique("nobody");
        var real = new List<TimeSpan>();
        var missing = new List<TimeSpan>();
        var messages = new HashSet<string?>();
        // Every try from an address of its own: neither the limiter nor the delays get a say in the timing.
        for (var round = 0; round < 12; round++)
        {
            foreach (var (name, times) in new[] { (holder.UserName, real), (unknown, missing) })
            {
                using var session = From(NewAddress());
                var (status, message, took) = await TryPasswordAsync(session, name, $"Wrong-{round}-Password");
                status.ShouldBe(HttpStatusCode.OK);
                messages.Add(message);
                if (round >= 2)
                {
                    times.Add(took); // the first rounds warm up both paths
                }
            }
        }

        messages.ShouldBe([Texts.Get("Login.Failed", Texts.Culture("cs"))]);
        var realMedian = Median(real);
        var missingMedian = Median(missing);
        var (slower, faster) = realMedian > missingMedian ? (realMedian, missingMedian) : (missingMedian, realMedian);
        slower.TotalMilliseconds.ShouldBeLessThan(faster.TotalMilliseconds * 1.6 + 15,
            $"median for a real account {realMedian.TotalMilliseconds:F1} ms, for an unknown one {missingMedian.TotalMilliseconds:F1} ms");
        Console.WriteLine($"sign-in timing: real {realMedian.TotalMilliseconds:F1} ms, unknown {missingMedian.TotalMilliseconds:F1} ms (medians of {real.Count})");
    }

    [Fact]
    public async Task Unknown_and_real_accounts_show_the_same_lock_out_from_an_address_that_kept_guessing()
    {
        var holder = await _data.AccountAsync(PortalRoles.Holder, applicant: await _data.ApplicantAsync(null));
        var answers = new List<string?>();
        foreach (var name in new[] { holder.UserName, TestData.Unique("nobody") })
        {
            using var session = From(NewAddress());
            string? last = null;
            for (var attempt = 1; attempt <= AccountSetup.MaxFailedAttempts; attempt++)
            {
                last = (await TryPasswordAfterAnyDelayAsync(session, name, $"Wrong-{attempt}-Password")).Message;
            }

            answers.Add(last);
        }

        answers.ShouldAllBe(a => a == Texts.Format("Login.LockedOut", Texts.Culture("cs"), (int)AccountSetup.LockoutTime.TotalMinutes));
    }

    [Fact]
    public async Task A_bystander_cannot_lock_out_a_named_account_with_a_burst()
    {
        var holder = await _data.AccountAsync(PortalRoles.Holder, applicant: await _data.ApplicantAsync(null));
        using var bystander = From(NewAddress());
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var login = await bystander.OkPageAsync("/account/login");
            using var _ = await bystander.PostFormAsync("/account/login", login, "login",
                new Dictionary<string, string> { ["Input.UserName"] = holder.UserName, ["Input.Password"] = $"Wrong-{attempt}-Password" });
        }

        (await TryPasswordAsync(bystander, holder.UserName, holder.Password)).Status.ShouldNotBe(HttpStatusCode.Redirect, "the guessing address itself is held back");
        using var owner = From(NewAddress());
        var (status, message, _) = await TryPasswordAsync(owner, holder.UserName, holder.Password);
        status.ShouldBe(HttpStatusCode.Redirect, $"the owner signs in from their own address: {message}");
        (await owner.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var stored = await _data.DbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == holder.UserId));
        stored.LockoutEnd.ShouldBeNull();
    }

    [Fact]
    public async Task Wrong_current_passwords_count_towards_the_lock_out()
    {
        var holder = await _data.AccountAsync(PortalRoles.Holder, applicant: await _data.ApplicantAsync(null));
        using var session = From(NewAddress());
        await session.SignInAsync(holder.UserName, holder.Password);
        var cs = Texts.Culture("cs");

        async Task<string?> ChangeAsync(string current)
        {
            var page = await session.OkPageAsync("/account");
            using var response = await session.PostFormAsync("/account", page, "change-password", new Dictionary<string, string>
            {
                ["Input.Current"] = current, ["Input.New"] = "Brand-New-Passw0rd", ["Input.Confirm"] = "Brand-New-Passw0rd",
            });
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync()).QuerySelector("[data-testid=password-message]")?.TextContent;
        }

        for (var attempt = 1; attempt < AccountSetup.MaxFailedAttempts; attempt++)
        {
            (await ChangeAsync($"Wrong-{attempt}-Password")).ShouldBe(Texts.Get("Account.CurrentPasswordWrong", cs));
        }

        var locked = Texts.Format("Login.LockedOut", cs, (int)AccountSetup.LockoutTime.TotalMinutes);
        (await ChangeAsync("Wrong-5-Password")).ShouldBe(locked);
        (await ChangeAsync(holder.Password)).ShouldBe(locked, "a locked account changes nothing, even with the right password");

        using var again = From(NewAddress());
        (await TryPasswordAsync(again, holder.UserName, "Brand-New-Passw0rd")).Status.ShouldBe(HttpStatusCode.OK, "the password was not changed");
        (await _data.AuditAsync()).Count(a => a.Action == AuditActions.PasswordChangeRefused && a.Actor == holder.UserName).ShouldBe(AccountSetup.MaxFailedAttempts);
    }

    /// <summary>A try that waits out the address's progressive delay (429 with Retry-After) first, as a patient person would.</summary>
    private static async Task<(HttpStatusCode Status, string? Message, TimeSpan Took)> TryPasswordAfterAnyDelayAsync(PortalSession session, string userName, string password)
    {
        while (true)
        {
            var login = await session.OkPageAsync("/account/login");
            using var response = await session.PostFormAsync("/account/login", login, "login",
                new Dictionary<string, string> { ["Input.UserName"] = userName, ["Input.Password"] = password });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await Task.Delay(TimeSpan.FromSeconds(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture)));
                continue;
            }

            var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, page.QuerySelector("[data-testid=login-error]")?.TextContent, TimeSpan.Zero);
        }
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);
}

using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>
/// The server-side record of each sign-in: a cookie is worth nothing once its sign-in ended (sign-out, password change,
/// idle time), whoever kept a copy; the table holds only hashes; and the per-request check answers from memory.
/// </summary>
public sealed class SignInSessionTests : IAsyncLifetime
{
    private readonly TestClock _clock = new(DateTimeOffset.UtcNow);
    private PortalServer _server = default!;
    private TestData _data = default!;

    public async Task InitializeAsync()
    {
        _server = await PortalServer.StartAsync(services => services.AddSingleton<TimeProvider>(_clock));
        _data = new TestData(_server.App.Services);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(TestAccount Holder, Certificate Certificate)> HolderAsync()
    {
        var applicant = await _data.ApplicantAsync(null);
        var certificate = await _data.CertificateAsync(applicant);
        return (await _data.AccountAsync(PortalRoles.Holder, applicant: applicant), certificate);
    }

    /// <summary>A second browser holding a copy of <paramref name="original"/>'s cookies, as someone who saved them would.</summary>
    private PortalSession CopyOf(PortalSession original)
    {
        var copy = new PortalSession(_server.Address);
        copy.Cookies.Add(original.Cookies.GetAllCookies());
        return copy;
    }

    private static bool SentToSignIn(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized
        || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.OriginalString.Contains("/account/login", StringComparison.Ordinal));

    [Fact]
    public async Task A_cookie_saved_before_sign_out_downloads_no_certificate_afterwards()
    {
        var (holder, certificate) = await HolderAsync();
        using var browser = new PortalSession(_server.Address);
        await browser.SignInAsync(holder.UserName, holder.Password);
        using var saved = CopyOf(browser);
        using (var before = await saved.GetAsync($"/certificates/{certificate.Id}/download"))
        {
            before.StatusCode.ShouldBe(HttpStatusCode.OK, "the copy works while the sign-in is open");
        }

        using (var signedOut = await browser.PostFormByActionAsync(await browser.OkPageAsync("/"), "account/logout"))
        {
            signedOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        using var after = await saved.GetAsync($"/certificates/{certificate.Id}/download");
        SentToSignIn(after).ShouldBeTrue($"{(int)after.StatusCode} {after.Headers.Location}");
        using var page = await saved.GetAsync("/certificates");
        SentToSignIn(page).ShouldBeTrue();
        var record = await _data.DbAsync(db => db.SignInSessions.SingleAsync(s => s.UserId == holder.UserId));
        record.EndReason.ShouldBe(SignInSessionEnd.SignedOut);
    }

    [Fact]
    public async Task A_password_change_ends_the_accounts_other_sign_ins_and_this_browser_goes_on()
    {
        var (holder, certificate) = await HolderAsync();
        using var mine = new PortalSession(_server.Address);
        using var other = new PortalSession(_server.Address);
        await mine.SignInAsync(holder.UserName, holder.Password);
        await other.SignInAsync(holder.UserName, holder.Password);
        (await other.OkPageAsync("/certificates")).ShouldNotBeNull();

        var account = await mine.OkPageAsync("/account");
        const string newPassword = "NewPassword2026xyZ";
        using (var changed = await mine.PostFormAsync("/account", account, "change-password", new Dictionary<string, string>
        {
            ["Input.Current"] = holder.Password,
            ["Input.New"] = newPassword,
            ["Input.Confirm"] = newPassword,
        }))
        {
            var body = await changed.Content.ReadAsStringAsync();
            body.ShouldContain("data-testid=\"password-message\"");
        }

        using var elsewhere = await other.GetAsync($"/certificates/{certificate.Id}/download");
        SentToSignIn(elsewhere).ShouldBeTrue("the other browser's sign-in ended with the password change");
        using var here = await mine.GetAsync($"/certificates/{certificate.Id}/download");
        here.StatusCode.ShouldBe(HttpStatusCode.OK, "the browser that changed the password goes on in a new sign-in");
        var records = await _data.DbAsync(db => db.SignInSessions.Where(s => s.UserId == holder.UserId).OrderBy(s => s.Id).ToListAsync());
        records.Count.ShouldBe(3);
        records.Take(2).ShouldAllBe(r => r.EndReason == SignInSessionEnd.PasswordChanged);
        records[2].EndedAtUtc.ShouldBeNull();
    }

    [Fact]
    public async Task An_idle_sign_in_is_ended_on_the_server_and_a_used_one_lasts_past_the_security_stamp_check()
    {
        var (holder, _) = await HolderAsync();
        using var browser = new PortalSession(_server.Address);
        await browser.SignInAsync(holder.UserName, holder.Password);

        // Used every 20 minutes for an hour: longer than the idle time in all, and past Identity's 5-minute stamp check.
        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(TimeSpan.FromMinutes(20));
            await browser.OkPageAsync("/certificates");
        }

        _clock.Advance(TimeSpan.FromMinutes(30) + TimeSpan.FromSeconds(1));
        using var afterIdle = await browser.GetAsync("/certificates");
        SentToSignIn(afterIdle).ShouldBeTrue();
    }

    [Fact]
    public async Task The_idle_time_ends_the_record_and_use_in_any_tab_keeps_it()
    {
        var (holder, _) = await HolderAsync();
        var sessions = _server.App.Services.GetRequiredService<SignInSessions>();
        var token = await sessions.StartAsync(holder.UserId, null);
        var idle = _server.App.Services.GetRequiredService<IOptions<SessionOptions>>().Value.IdleTimeout;

        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(idle - TimeSpan.FromSeconds(1));
            (await sessions.CheckAsync(token, holder.UserId, activity: true)).ShouldNotBeNull("a request of any tab restarts the idle clock");
        }

        _clock.Advance(idle - TimeSpan.FromSeconds(1));
        (await sessions.CheckAsync(token, holder.UserId, activity: false)).ShouldNotBeNull();
        _clock.Advance(TimeSpan.FromSeconds(1));
        (await sessions.CheckAsync(token, holder.UserId, activity: false)).ShouldBeNull("an open page's check is no use of the portal");
        (await _data.DbAsync(db => db.SignInSessions.SingleAsync(s => s.UserId == holder.UserId))).EndReason.ShouldBe(SignInSessionEnd.Idle);

        _clock.Advance(-idle);
        (await sessions.CheckAsync(token, holder.UserId, activity: true)).ShouldBeNull("an ended record stays ended");
    }

    [Fact]
    public async Task The_table_holds_only_a_hash_of_the_session_id()
    {
        var (holder, _) = await HolderAsync();
        var sessions = _server.App.Services.GetRequiredService<SignInSessions>();

        var token = await sessions.StartAsync(holder.UserId, "192.0.2.7");

        token.Length.ShouldBeGreaterThanOrEqualTo(43, "256 random bits");
        var row = await _data.DbAsync(db => db.SignInSessions.SingleAsync(s => s.UserId == holder.UserId));
        row.TokenHash.ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token))));
        row.TokenHash.ShouldNotContain(token);
        (await sessions.CheckAsync(row.TokenHash, holder.UserId, activity: false)).ShouldBeNull("the hash from the table is no session id");
        (await sessions.CheckAsync(token, holder.UserId, activity: false)).ShouldBe(row.Id);
        (await sessions.CheckAsync(token, (await HolderAsync()).Holder.UserId, activity: false)).ShouldBeNull("someone else's session id");
    }

    [Fact]
    public async Task An_ending_takes_effect_at_once_on_this_instance_and_within_the_recheck_interval_on_another()
    {
        var (holder, _) = await HolderAsync();
        var here = _server.App.Services.GetRequiredService<SignInSessions>();
        var options = _server.App.Services.GetRequiredService<IOptions<SessionOptions>>();
        var elsewhere = new SignInSessions(_server.App.Services.GetRequiredService<DataAccess>(), _clock, options,
            _server.App.Services.GetRequiredService<Portal.AgentBridge.AgentLinks>());
        var first = await here.StartAsync(holder.UserId, null);
        var second = await here.StartAsync(holder.UserId, null);
        (await elsewhere.CheckAsync(first, holder.UserId, activity: false)).ShouldNotBeNull();
        (await elsewhere.CheckAsync(second, holder.UserId, activity: false)).ShouldNotBeNull();

        (await here.EndAsync(first, SignInSessionEnd.SignedOut)).ShouldBeTrue();

        (await here.CheckAsync(first, holder.UserId, activity: false)).ShouldBeNull("at once on the instance that ended it");
        (await elsewhere.CheckAsync(first, holder.UserId, activity: false)).ShouldNotBeNull("another instance answers from memory for a few seconds");
        _clock.Advance(options.Value.RecheckInterval);
        (await elsewhere.CheckAsync(first, holder.UserId, activity: false)).ShouldBeNull("then it reads the record again");

        (await elsewhere.RevokeAllAsync(holder.UserId, SignInSessionEnd.Reset)).ShouldBe(1);
        (await elsewhere.CheckAsync(second, holder.UserId, activity: false)).ShouldBeNull();
        _clock.Advance(options.Value.RecheckInterval);
        (await here.CheckAsync(second, holder.UserId, activity: false)).ShouldBeNull();
        (await _data.DbAsync(db => db.SignInSessions.Where(s => s.UserId == holder.UserId).Select(s => s.EndReason).ToListAsync()))
            .ShouldBe([SignInSessionEnd.SignedOut, SignInSessionEnd.Reset], ignoreOrder: true);
    }
}

using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>A lost authenticator reset by staff: only RA operators and administrators, only with their own fresh code, audited either way.</summary>
public sealed class AuthenticatorResetTests(BothProviders portals) : IClassFixture<BothProviders>
{
    [Theory]
    [MemberData(nameof(BothProviders.Providers), MemberType = typeof(BothProviders))]
    public async Task Staff_reset_a_lost_authenticator_only_with_their_own_fresh_code_and_the_old_one_stops_working(DatabaseProvider provider)
    {
        var server = portals[provider];
        var data = portals.Data(provider);
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Olga");
        var holder = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation, applicant);
        var raOperator = await data.AccountAsync(PortalRoles.RaOperator);
        var stampBefore = await StampAsync(data, holder);
        var oldCodes = await RecoveryCodesAsync(server, holder);
        // Whoever has the lost phone may be signed in with it right now.
        using var finder = new PortalSession(server.Address);
        finder.SetForwardedFor("203.0.113.76");
        await finder.SignInAsync(holder.UserName, holder.Password, holder.AuthenticatorKey);
        (await finder.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await ResetAsync(data, raOperator, holder, null)).MessageKey.ShouldBe(AuthenticatorReset.CodeRequired);
        (await ResetAsync(data, raOperator, holder, Totp.WrongCode(raOperator.AuthenticatorKey!))).MessageKey.ShouldBe(AuthenticatorReset.CodeWrong);
        (await ResetAsync(data, raOperator, holder, await Totp.UnusedCodeAsync(holder.AuthenticatorKey!))).MessageKey.ShouldBe(AuthenticatorReset.CodeWrong, "the holder's code is not the staff member's");
        var refusals = (await data.AuditAsync()).Where(a => a.Action == AuditActions.AuthenticatorResetRefused && a.Actor == raOperator.UserName).ToList();
        refusals.Count.ShouldBe(3);
        refusals.ShouldAllBe(a => a.Subject == AuditSubjects.User(holder.UserName));
        (await StampAsync(data, holder)).ShouldBe(stampBefore, "a refused reset changes nothing");

        var reset = await ResetAsync(data, raOperator, holder, await Totp.UnusedCodeAsync(raOperator.AuthenticatorKey!));
        reset.Succeeded.ShouldBeTrue();

        (await StampAsync(data, holder)).ShouldNotBe(stampBefore);
        (await finder.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.Redirect, "the reset ends the account's sign-ins at once");
        (await data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.AuthenticatorReset && a.Actor == raOperator.UserName && a.Subject == AuditSubjects.User(holder.UserName));
        (await data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Kind == AuthenticatorReset.MailKind && m.Recipient == $"{holder.UserName}@example.cz"))).ShouldBe(1);
        await using (var scope = server.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
            var user = (await users.FindByIdAsync(holder.UserId))!;
            (await users.GetAuthenticatorKeyAsync(user)).ShouldNotBe(holder.AuthenticatorKey);
            (await users.CountRecoveryCodesAsync(user)).ShouldBe(0);
            (await users.RedeemTwoFactorRecoveryCodeAsync(user, oldCodes[0])).Succeeded.ShouldBeFalse();
            (await scope.ServiceProvider.GetRequiredService<OneTimeCodes>().VerifyOnceAsync(holder.UserId, await Totp.UnusedCodeAsync(holder.AuthenticatorKey!)))
                .ShouldBeFalse("the old authenticator's codes no longer work");
        }

        // The next sign-in sets up a new authenticator, shown with a new key.
        using var session = new PortalSession(server.Address);
        session.SetForwardedFor("203.0.113.77");
        var newKey = await session.SignInAsync(holder.UserName, holder.Password);
        newKey.ShouldNotBeNull().ShouldNotBe(holder.AuthenticatorKey);
        (await session.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(PortalRoles.Support)]
    [InlineData(PortalRoles.CompanyRepresentative)]
    [InlineData(PortalRoles.Holder)]
    public async Task Nobody_else_resets_an_authenticator_even_with_a_right_code(string role)
    {
        var data = portals.Data(DatabaseProvider.Sqlite);
        var organisation = await data.OrganisationAsync();
        var holder = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation, await data.ApplicantAsync(organisation));
        var someone = await data.AccountAsync(role, role == PortalRoles.CompanyRepresentative ? organisation : null,
            role == PortalRoles.Holder ? await data.ApplicantAsync(organisation) : null, elevated: role == PortalRoles.Support);
        var code = someone.AuthenticatorKey is { } key ? await Totp.UnusedCodeAsync(key) : "123456";

        (await ResetAsync(data, someone, holder, code)).MessageKey.ShouldBe(AuthenticatorReset.NotPermitted);

        (await data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.AuthenticatorResetRefused && a.Actor == someone.UserName);
        (await data.AuditAsync()).ShouldNotContain(a => a.Action == AuditActions.AuthenticatorReset && a.Subject == AuditSubjects.User(holder.UserName));
    }

    [Fact]
    public async Task Staff_do_not_reset_their_own_authenticator()
    {
        var data = portals.Data(DatabaseProvider.Sqlite);
        var admin = await data.AccountAsync(PortalRoles.Admin);

        (await ResetAsync(data, admin, admin, await Totp.UnusedCodeAsync(admin.AuthenticatorKey!))).MessageKey.ShouldBe(AuthenticatorReset.NotPermitted);
    }

    private static async Task<Outcome> ResetAsync(TestData data, TestAccount staff, TestAccount account, string? code)
    {
        await using var scope = await data.AsAsync(staff);
        var actor = await scope.ServiceProvider.GetRequiredService<CurrentActor>().RequireAsync();
        return await scope.ServiceProvider.GetRequiredService<AuthenticatorReset>().ResetAsync(actor, account.UserId, code);
    }

    private static Task<string?> StampAsync(TestData data, TestAccount account) =>
        data.DbAsync(db => db.Users.Where(u => u.Id == account.UserId).Select(u => u.SecurityStamp).SingleAsync());

    private static async Task<IReadOnlyList<string>> RecoveryCodesAsync(PortalServer server, TestAccount account)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        return await scope.ServiceProvider.GetRequiredService<RecoveryCodes>().ReplaceAsync((await users.FindByIdAsync(account.UserId))!, account.UserName);
    }
}

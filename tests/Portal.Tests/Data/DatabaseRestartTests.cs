using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Data;

/// <summary>These tests stop and restart the tests' PostgreSQL server: they run alone, after everything else.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DatabaseServerRestarts
{
    public const string Name = "database server restarts";
}

/// <summary>
/// The designed behaviour when the database restarts: a short outage is bridged by the execution strategy's retries (the
/// user notices nothing); a longer one is reported in the user's language as "nothing was changed, try again", and the
/// portal works again as soon as the database is back — without a restart of the portal.
/// </summary>
[Collection(DatabaseServerRestarts.Name)]
public sealed class DatabaseRestartTests : IAsyncLifetime
{
    private PortalServer _server = default!;
    private TestData _data = default!;
    private TestAccount _representative = default!;

    public async Task InitializeAsync()
    {
        _server = await PortalServer.StartAsync(DatabaseProvider.PostgreSql, null);
        _data = new TestData(_server.App.Services);
        _representative = await _data.AccountAsync(PortalRoles.CompanyRepresentative, await _data.OrganisationAsync());
    }

    public async Task DisposeAsync()
    {
        await ControlAsync("start"); // whatever happened, the other tests' server runs again
        await _server.DisposeAsync();
    }

    private static async Task ControlAsync(string command)
    {
        var result = await ProcessRunner.RunAsync(TestPostgres.ControlScript, [command]);
        if (command != "start" && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command}: {result.Combined}");
        }
    }

    private static Task<Outcome<long>> RegisterAsync(AsyncServiceScope page, string lastName) =>
        page.ServiceProvider.GetRequiredService<ApplicantService>().RegisterAsync(new ApplicantInput
        {
            FirstName = "Restart", LastName = lastName, Email = "restart@example.cz", DateOfBirth = new DateOnly(1970, 1, 1),
        });

    [Fact]
    public async Task A_change_right_after_a_database_restart_succeeds_without_the_user_noticing()
    {
        // A page's services, as in an open circuit: the account is signed in already.
        await using var page = await _data.AsAsync(_representative);
        (await RegisterAsync(page, "Předtím")).Succeeded.ShouldBeTrue(); // the pool now holds open connections

        await ControlAsync("restart"); // every pooled connection is now broken

        var after = await RegisterAsync(page, "Potom");
        after.Succeeded.ShouldBeTrue();
        (await _data.DbAsync(db => db.Applicants.CountAsync(a => a.FirstName == "Restart"))).ShouldBe(2);
    }

    [Fact]
    public async Task While_the_database_is_down_the_user_is_told_nothing_changed_and_it_works_again_once_it_is_back()
    {
        using var browser = new PortalSession(_server.Address);
        await browser.SignInAsync(_representative.UserName, _representative.Password, _representative.AuthenticatorKey);
        var applicant = await _data.ApplicantAsync(await _data.DbAsync(db => db.Organisations.SingleAsync(o => o.Id == db.Users.Single(u => u.Id == _representative.UserId).OrganisationId)));
        (await browser.OkPageAsync($"/applicants/{applicant.Id}")).QuerySelector("[data-testid=applicant-name]").ShouldNotBeNull();
        var before = await _data.DbAsync(db => db.Applicants.CountAsync());
        await using var circuit = await _data.AsAsync(_representative);

        await ControlAsync("stop");
        try
        {
            var clock = Stopwatch.StartNew();
            await Should.ThrowAsync<DataUnavailableException>(() => RegisterAsync(circuit, "Výpadek"));
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the retries give up within seconds");

            var (status, page) = await browser.PageAsync($"/applicants/{applicant.Id}");
            status.ShouldBe(HttpStatusCode.ServiceUnavailable);
            page.QuerySelector("[data-testid=page-error]").ShouldNotBeNull().TextContent.ShouldContain(Texts.Get("Data.Unavailable", Texts.Culture("cs")));
            page.Body!.TextContent.ShouldNotContain("Exception");
            page.Body.TextContent.ShouldNotContain("Npgsql");
        }
        finally
        {
            await ControlAsync("start");
        }

        (await RegisterAsync(circuit, "Zase")).Succeeded.ShouldBeTrue();
        (await _data.DbAsync(db => db.Applicants.CountAsync())).ShouldBe(before + 1, "nothing was written during the outage");
        (await browser.OkPageAsync($"/applicants/{applicant.Id}")).QuerySelector("[data-testid=applicant-name]").ShouldNotBeNull();
    }
}

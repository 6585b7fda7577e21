using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Hosting;

/// <summary>From an empty database, on PostgreSQL as on SQLite: the portal starts, migrates and serves the same pages.</summary>
public sealed class ProviderParityTests
{
    private static readonly string[] Pages = ["/", "/token", "/certificates", "/requests", "/applicants", "/applicants/new", "/account"];

    private static async Task<Dictionary<string, (HttpStatusCode Status, string? Heading, int Rows)>> VisitAsync(DatabaseProvider provider)
    {
        await using var server = await PortalServer.StartAsync(provider, null);
        await using (var scope = server.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            db.Database.ProviderName.ShouldBe(provider == DatabaseProvider.Sqlite ? "Microsoft.EntityFrameworkCore.Sqlite" : "Npgsql.EntityFrameworkCore.PostgreSQL");
            (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
            (await db.Roles.Select(r => r.Name).ToListAsync()).ShouldBe(PortalRoles.All, ignoreOrder: true);
        }

        var data = new TestData(server.App.Services);
        var organisation = await data.OrganisationAsync("Parita s.r.o.");
        var applicant = await data.ApplicantAsync(organisation, "Pavla", "Paritní");
        await data.CertificateAsync(applicant);
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation, applicant);
        using var session = new PortalSession(server.Address);
        await session.SignInAsync(representative.UserName, representative.Password, representative.AuthenticatorKey);
        (await session.GetAsync("/health")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var result = new Dictionary<string, (HttpStatusCode, string?, int)>();
        foreach (var path in Pages.Append($"/applicants/{applicant.Id}"))
        {
            var (status, page) = await session.PageAsync(path.Replace(applicant.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "{id}", StringComparison.Ordinal) == path ? path : path);
            result[path.Replace($"/{applicant.Id}", "/{id}", StringComparison.Ordinal)] = (status, page.QuerySelector("h1")?.TextContent.Trim(),
                page.QuerySelectorAll("[data-testid=certificate-row], [data-testid=audit-row]").Length);
        }

        return result;
    }

    [Fact]
    public async Task PostgreSql_serves_the_same_pages_as_Sqlite_from_a_fresh_database()
    {
        var sqlite = await VisitAsync(DatabaseProvider.Sqlite);
        var postgres = await VisitAsync(DatabaseProvider.PostgreSql);

        postgres.ShouldBe(sqlite);
        sqlite.Values.ShouldAllBe(v => v.Status == HttpStatusCode.OK);
        sqlite["/certificates"].Rows.ShouldBe(1);
        sqlite["/applicants/{id}"].Heading.ShouldBe("Pavla Paritní");
    }
}

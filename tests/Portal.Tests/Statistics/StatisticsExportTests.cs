using System.Globalization;
using System.Net;
using CsvHelper;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Statistics;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Statistics;

/// <summary>
/// The CSV export and the statistics pages over HTTP on the running portal: a representative downloads their
/// organisation's figures (parsed back with CsvHelper), never another's whatever the address says; staff choose any
/// organisation; a holder is refused and an anonymous visitor sent to sign in.
/// </summary>
public sealed class StatisticsExportTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    private static readonly TimeZoneInfo Prague = TimeZoneInfo.FindSystemTimeZoneById("Europe/Prague");

    private static readonly string[] Headings = ["Statistics.Csv.Section", "Statistics.Csv.Item", "Statistics.Csv.When", "Statistics.Csv.Count"];

    private sealed record Row(string Section, string Item, string When, string Count);

    private static async Task<List<Row>> CsvAsync(PortalSession session, string culture, string query = "")
    {
        using var response = await session.GetAsync(StatisticsSetup.ExportPath + query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, query);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        response.Content.Headers.ContentDisposition!.FileNameStar.ShouldNotBeNull().ShouldEndWith(".csv");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes[..3].ShouldBe(new byte[] { 0xEF, 0xBB, 0xBF }); // spreadsheets read the diacritics

        var cultureInfo = Texts.Culture(culture);
        using var reader = CsvReader.Create(bytes, new CsvReaderOptions { Separator = StatisticsCsv.Separator(cultureInfo), HasHeader = true });
        reader.ReadHeader();
        reader.Headers.ShouldBe([.. Headings.Select(k => Texts.Get(k, cultureInfo))]);
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }

    private static int Count(List<Row> rows, string section, string item, string when = "") =>
        int.Parse(rows.Single(r => r.Section == section && r.Item == item && r.When == when).Count, CultureInfo.InvariantCulture);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_csv_has_the_representatives_own_figures_and_none_of_another_organisation(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var a = await data.OrganisationAsync();
        var b = await data.OrganisationAsync();
        var a1 = await data.ApplicantAsync(a, "=1+1", "Vzorec");
        var b1 = await data.ApplicantAsync(b, "Bohdan");
        var now = DateTime.UtcNow;
        var issued = now.AddMinutes(-5);
        await data.CertificateAsync(a1, CertificateType.Qualified, issued, now.AddDays(10));
        await data.CertificateAsync(b1, CertificateType.Qualified, issued, now.AddDays(10));
        await data.CertificateAsync(b1, CertificateType.Commercial, issued, now.AddDays(200));
        await data.DeviceAsync(a1, qscdUntil: DateOnly.FromDateTime(now).AddDays(20));
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, a);
        var month = TimeZoneInfo.ConvertTimeFromUtc(issued, Prague).ToString("yyyy-MM", CultureInfo.InvariantCulture);

        foreach (var culture in new[] { "cs", "en" })
        {
            var texts = Texts.Culture(culture);
            using var session = new PortalSession(portals[provider].Address, culture);
            await session.SignInAsync(representative.UserName, representative.Password, representative.AuthenticatorKey);

            var own = await CsvAsync(session, culture);
            var byType = Texts.Get("Statistics.ByTypeAndState", texts);
            Count(own, byType, $"{Texts.Get("Certificates.Type.Qualified", texts)} – {Texts.Get("Statistics.State.Valid", texts)}").ShouldBe(1);
            own.ShouldNotContain(r => r.Section == byType && r.Item.StartsWith(Texts.Get("Certificates.Type.Commercial", texts), StringComparison.Ordinal));
            Count(own, Texts.Get("Statistics.Expiring", texts), Texts.Format("Statistics.Expiring.Within", texts, 30)).ShouldBe(1);
            Count(own, Texts.Get("Statistics.PerMonth", texts), Texts.Get("Statistics.Issued", texts), month).ShouldBe(1);
            // The applicant's name starts like a formula: the export escapes it so a spreadsheet shows it as text.
            own.Single(r => r.Section == Texts.Format("Statistics.Devices", texts, 90)).Item.ShouldStartWith("'=1+1 Vzorec – ");

            // Crafted addresses naming organisation B or its applicant: no count of B's.
            foreach (var crafted in new[] { $"?organisation={b.Id}", $"?applicant={b1.Id}", $"?organisation={b.Id}&applicant={b1.Id}&type=Qualified" })
            {
                var rows = await CsvAsync(session, culture, crafted);
                rows.Where(r => r.Count.Length > 0).ShouldAllBe(r => r.Count == "0", crafted);
                rows.ShouldNotContain(r => r.Section == Texts.Format("Statistics.Devices", texts, 90), crafted);
            }
        }

        var raOperator = await data.AccountAsync(PortalRoles.RaOperator);
        using var staff = new PortalSession(portals[provider].Address, "en");
        await staff.SignInAsync(raOperator.UserName, raOperator.Password, raOperator.AuthenticatorKey);
        var english = Texts.Culture("en");
        var chosenB = await CsvAsync(staff, "en", $"?organisation={b.Id}");
        Count(chosenB, Texts.Get("Statistics.PerMonth", english), Texts.Get("Statistics.Issued", english), month).ShouldBe(2);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_holder_is_refused_the_csv_and_the_pages_and_an_anonymous_visitor_is_sent_to_sign_in(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var a = await data.OrganisationAsync();
        var holderApplicant = await data.ApplicantAsync(a, "Hana");
        await data.CertificateAsync(holderApplicant, CertificateType.Qualified, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddDays(10));
        var holder = await data.AccountAsync(PortalRoles.Holder, applicant: holderApplicant);

        using (var anonymous = new PortalSession(portals[provider].Address))
        {
            using var response = await anonymous.GetAsync($"{StatisticsSetup.ExportPath}?organisation={a.Id}");
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            response.Headers.Location!.AbsolutePath.ShouldBe("/account/login");
        }

        using var session = new PortalSession(portals[provider].Address);
        await session.SignInAsync(holder.UserName, holder.Password, holder.AuthenticatorKey);
        using (var export = await session.GetAsync($"{StatisticsSetup.ExportPath}?organisation={a.Id}"))
        {
            export.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            export.Content.Headers.ContentType?.MediaType.ShouldNotBe("text/csv");
        }

        foreach (var page in new[] { "/statistics", "/statistics/overview" })
        {
            using var response = await session.GetAsync(page);
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect, page);
            response.Headers.Location!.AbsolutePath.ShouldBe("/account/denied", page);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_representative_opens_the_page_and_the_printable_overview_with_their_figures(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var a = await data.OrganisationAsync();
        var a1 = await data.ApplicantAsync(a, "Alena");
        var now = DateTime.UtcNow;
        await data.CertificateAsync(a1, CertificateType.Commercial, now.AddMinutes(-5), now.AddDays(45), revokedAtUtc: now.AddMinutes(-1));
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, a);
        using var session = new PortalSession(portals[provider].Address);
        await session.SignInAsync(representative.UserName, representative.Password, representative.AuthenticatorKey);

        foreach (var path in new[] { "/statistics", "/statistics/overview" })
        {
            var page = await session.OkPageAsync(path);
            var commercial = page.QuerySelector("[data-testid=type-row][data-type=Commercial]").ShouldNotBeNull(path);
            commercial.QuerySelector("[data-state=Revoked]").ShouldNotBeNull().TextContent.Trim().ShouldBe("1", path);
            commercial.QuerySelector("[data-state=Valid]").ShouldNotBeNull().TextContent.Trim().ShouldBe("0", path);
            page.QuerySelectorAll("[data-testid=month-row]").Length.ShouldBe(StatisticsFilter.DefaultMonths, path);
        }

        var overview = await session.OkPageAsync("/statistics/overview");
        overview.QuerySelector("[data-testid=overview-organisation]").ShouldNotBeNull().TextContent.Trim().ShouldBe(a.Name);
    }
}

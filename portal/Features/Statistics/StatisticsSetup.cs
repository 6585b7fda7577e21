using System.Globalization;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Features.Statistics;

/// <summary>The statistics' services and the CSV export endpoint.</summary>
public static class StatisticsSetup
{
    public const string ExportPath = "/statistics/export";

    public static IServiceCollection AddStatistics(this IServiceCollection services) => services.AddScoped<StatisticsService>();

    public static IEndpointRouteBuilder MapStatisticsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // The page's figures as CSV, for the same filter as the page's address; a holder is refused (403) and audited.
        endpoints.MapGet(ExportPath, async (string? organisation, string? applicant, string? type, string? from, string? to,
            StatisticsService statistics, IStringLocalizer<Strings> texts) =>
        {
            try
            {
                var report = await statistics.ReportAsync(StatisticsFilter.Parse(organisation, applicant, type, from, to)).ConfigureAwait(false);
                return Results.File(StatisticsCsv.Write(report, texts, CultureInfo.CurrentCulture), "text/csv; charset=utf-8", StatisticsCsv.FileName(report));
            }
            catch (AccessRefusedException)
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }
        });
        return endpoints;
    }
}

using System.Globalization;
using CsvHelper;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Data;
using Qtsp.Portal.Resources;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Features.Statistics;

/// <summary>
/// The report as CSV for a spreadsheet: one row per figure (section, item, month or date, count), texts in the page's
/// language, the culture's list separator (";" in Czech, as Czech spreadsheets expect), months and dates as ISO
/// (2026-12, 2026-12-20), UTF-8 with a byte order mark so spreadsheets read the diacritics.
/// </summary>
public static class StatisticsCsv
{
    public static byte[] Write(StatisticsReport report, IStringLocalizer<Strings> texts, CultureInfo culture)
    {
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Options(culture), leaveOpen: true))
        {
            void Row(string section, string item, string? when, int? count)
            {
                csv.WriteField(section);
                csv.WriteField(item);
                csv.WriteField(when ?? "");
                csv.WriteField(count?.ToString(CultureInfo.InvariantCulture) ?? "");
                csv.EndRecord();
            }

            foreach (var heading in new[] { "Statistics.Csv.Section", "Statistics.Csv.Item", "Statistics.Csv.When", "Statistics.Csv.Count" })
            {
                csv.WriteField(texts[heading].Value);
            }

            csv.EndRecord();

            var byType = texts["Statistics.ByTypeAndState"];
            foreach (var count in report.Certificates)
            {
                Row(byType, $"{texts[$"Certificates.Type.{count.Type}"]} – {texts[$"Statistics.State.{count.State}"]}", null, count.Count);
            }

            var expiring = texts["Statistics.Expiring"];
            Row(expiring, texts["Statistics.Expiring.Within", 30], null, report.Expiring.Within30Days);
            Row(expiring, texts["Statistics.Expiring.Within", 60], null, report.Expiring.Within60Days);
            Row(expiring, texts["Statistics.Expiring.Within", 90], null, report.Expiring.Within90Days);

            foreach (var month in report.Months)
            {
                Row(texts["Statistics.PerMonth"], texts["Statistics.Issued"], Month(month.Month), month.Issued);
            }

            foreach (var month in report.Months)
            {
                Row(texts["Statistics.PerMonth"], texts["Statistics.Revoked"], Month(month.Month), month.Revoked);
            }

            foreach (var request in report.Requests)
            {
                Row(texts["Statistics.Requests"], texts[$"Requests.Status.{request.Status}"], null, request.Count);
            }

            foreach (var device in report.DevicesEndingSoon)
            {
                Row(texts["Statistics.Devices", report.DeviceEndingSoonDays], $"{device.HolderName} – {DeviceModelCatalogue.ById(device.ModelId).DisplayName} {device.SerialNumber}",
                    device.CertifiedUntil.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), null);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The culture's list separator; names typed by people that start like a formula (=, +, -, @) are escaped, so a
    /// spreadsheet shows them as text instead of running them.
    /// </summary>
    public static CsvWriterOptions Options(CultureInfo culture) => new()
    {
        Separator = Separator(culture),
        WriteByteOrderMark = true,
        Injection = CsvInjection.Escape,
        FormatProvider = culture,
    };

    public static char Separator(CultureInfo culture) => culture.TextInfo.ListSeparator is [var single] ? single : ',';

    private static string Month(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public static string FileName(StatisticsReport report) =>
        $"statistics-{report.Filter.From?.ToString("yyyy-MM", CultureInfo.InvariantCulture)}-{report.Filter.To?.ToString("yyyy-MM", CultureInfo.InvariantCulture)}.csv";
}

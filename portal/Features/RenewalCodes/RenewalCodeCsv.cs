using System.Globalization;
using CsvHelper;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Features.RenewalCodes;

/// <summary>
/// A new batch's codes for the sales channel: one row per code with the batch, product, term, medium and expiry, in the
/// page's language and the culture's list separator, UTF-8 with a byte order mark (as the statistics export).
/// </summary>
public static class RenewalCodeCsv
{
    public static byte[] Write(CreatedRenewalCodeBatch batch, IStringLocalizer<Strings> texts, CultureInfo culture, PortalTime time)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(time);
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Statistics.StatisticsCsv.Options(culture), leaveOpen: true))
        {
            foreach (var heading in new[] { "RenewalCodes.Code", "RenewalCodes.Batch", "RenewalCodes.Product", "RenewalCodes.TermLabel", "RenewalCodes.MediumLabel", "RenewalCodes.ExpiresOn" })
            {
                csv.WriteField(texts[heading].Value);
            }

            csv.EndRecord();
            foreach (var code in batch.Codes)
            {
                csv.WriteField(code);
                csv.WriteField(batch.Reference);
                csv.WriteField(texts[$"Certificates.Type.{batch.Product}"].Value);
                csv.WriteField(batch.TermMonths.ToString(CultureInfo.InvariantCulture));
                csv.WriteField(texts[$"RenewalCodes.Medium.{batch.Medium}"].Value);
                csv.WriteField(time.DateTime(batch.ExpiresAtUtc, culture));
                csv.EndRecord();
            }
        }

        return buffer.ToArray();
    }
}

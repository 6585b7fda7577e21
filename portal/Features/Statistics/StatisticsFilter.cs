using System.Globalization;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Statistics;

/// <summary>
/// What the statistics cover: an organisation (staff only), one applicant, one certificate type, and the months of the
/// period (<see cref="From"/> to <see cref="To"/>, first days of months in the portal's zone). Every value only narrows
/// what the account may see anyway; none widens it.
/// </summary>
public sealed record StatisticsFilter(
    long? OrganisationId = null,
    long? ApplicantId = null,
    CertificateType? Type = null,
    DateOnly? From = null,
    DateOnly? To = null)
{
    public const int DefaultMonths = 12;

    /// <summary>The longest period shown month by month.</summary>
    public const int MaxMonths = 36;

    private const string MonthFormat = "yyyy-MM";

    /// <summary>
    /// The period's months as given, else the <see cref="DefaultMonths"/> months up to this one; a reversed range is
    /// swapped, a longer one than <see cref="MaxMonths"/> keeps its last months.
    /// </summary>
    public (DateOnly First, DateOnly Last) Months(DateOnly today)
    {
        var last = MonthOf(To ?? today);
        var first = From is { } from ? MonthOf(from) : last.AddMonths(1 - DefaultMonths);
        if (first > last)
        {
            (first, last) = (last, first);
        }

        if (first < last.AddMonths(1 - MaxMonths))
        {
            first = last.AddMonths(1 - MaxMonths);
        }

        return (first, last);
    }

    private static DateOnly MonthOf(DateOnly day) => new(day.Year, day.Month, 1);

    /// <summary>The page's and the export's query string for this filter (only the values set).</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        if (OrganisationId is { } organisation)
        {
            parts.Add($"organisation={organisation.ToString(CultureInfo.InvariantCulture)}");
        }

        if (ApplicantId is { } applicant)
        {
            parts.Add($"applicant={applicant.ToString(CultureInfo.InvariantCulture)}");
        }

        if (Type is { } type)
        {
            parts.Add($"type={type}");
        }

        if (From is { } from)
        {
            parts.Add($"from={from.ToString(MonthFormat, CultureInfo.InvariantCulture)}");
        }

        if (To is { } to)
        {
            parts.Add($"to={to.ToString(MonthFormat, CultureInfo.InvariantCulture)}");
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    /// <summary>The filter from query values; a value that does not parse is left out (a typed address never fails the page).</summary>
    public static StatisticsFilter Parse(string? organisation, string? applicant, string? type, string? from, string? to) => new(
        long.TryParse(organisation, NumberStyles.None, CultureInfo.InvariantCulture, out var organisationId) ? organisationId : null,
        long.TryParse(applicant, NumberStyles.None, CultureInfo.InvariantCulture, out var applicantId) ? applicantId : null,
        type is not null && Enum.GetNames<CertificateType>().Contains(type, StringComparer.Ordinal) ? Enum.Parse<CertificateType>(type) : null,
        ParseMonth(from),
        ParseMonth(to));

    private static DateOnly? ParseMonth(string? month) =>
        DateOnly.TryParseExact(month, MonthFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed : null;
}

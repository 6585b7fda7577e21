using System.Globalization;

namespace Qtsp.Portal.Features.Statistics;

/// <summary>Month names of the page's language: in full for tables ("prosinec 2026"), short under a chart's bars ("pro 26").</summary>
public static class StatisticsTexts
{
    public static string Month(DateOnly month, CultureInfo? culture = null) =>
        $"{(culture ?? CultureInfo.CurrentCulture).DateTimeFormat.MonthNames[month.Month - 1]} {month.Year.ToString(CultureInfo.InvariantCulture)}";

    public static string ShortMonth(DateOnly month, CultureInfo? culture = null) =>
        $"{(culture ?? CultureInfo.CurrentCulture).DateTimeFormat.AbbreviatedMonthNames[month.Month - 1]} {(month.Year % 100).ToString("00", CultureInfo.InvariantCulture)}";
}

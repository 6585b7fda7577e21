using System.Globalization;

namespace Qtsp.Portal.Features.Token;

/// <summary>
/// Certificate dates in the CA's time zone (Europe/Prague), in the user's culture: the portal server's own zone
/// is an accident of hosting, and a validity end shown a day off is a real mistake.
/// </summary>
public static class Dates
{
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.TryFindSystemTimeZoneById("Europe/Prague", out var zone) ? zone : TimeZoneInfo.Utc;

    public static string Format(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone).ToString("d", CultureInfo.CurrentCulture);

    public static string FormatWithTime(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone).ToString("g", CultureInfo.CurrentCulture);
}

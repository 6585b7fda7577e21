using System.Globalization;
using Microsoft.Extensions.Options;

namespace Qtsp.Portal.Infrastructure;

/// <summary>Where the portal's clock hangs: <c>Portal:TimeZone</c>, an IANA zone id (Europe/Prague unless configured).</summary>
public sealed class PortalTimeOptions
{
    public const string Section = "Portal";

    public string TimeZone { get; set; } = "Europe/Prague";
}

/// <summary>
/// The one formatter of dates and times for pages, e-mails and printable sheets: every instant in the portal's
/// configured zone (the server's own zone is an accident of hosting, and a validity end shown a day off is a real
/// mistake), in the culture's format, with the zone's offset after a time so nobody has to guess.
/// </summary>
public sealed class PortalTime
{
    public PortalTime(IOptions<PortalTimeOptions> options)
    {
        var id = options.Value.TimeZone;
        Zone = TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone)
            ? zone
            : throw new InvalidOperationException($"Portal:TimeZone '{id}' is not a time zone this system knows.");
    }

    public TimeZoneInfo Zone { get; }

    /// <summary>The calendar day of the instant in the portal's zone ("1. 12. 2026", "12/1/2026").</summary>
    public string Date(DateTimeOffset instant, IFormatProvider? culture = null) =>
        Local(instant).ToString("d", culture ?? CultureInfo.CurrentCulture);

    /// <summary>Day and time with the zone's offset ("1. 12. 2026 9:05 (UTC+1)").</summary>
    public string DateTime(DateTimeOffset instant, IFormatProvider? culture = null) =>
        $"{Local(instant).ToString("g", culture ?? CultureInfo.CurrentCulture)} ({Offset(instant)})";

    /// <summary>The time of day with the zone's offset ("9:05 (UTC+1)").</summary>
    public string Time(DateTimeOffset instant, IFormatProvider? culture = null) =>
        $"{Local(instant).ToString("t", culture ?? CultureInfo.CurrentCulture)} ({Offset(instant)})";

    /// <summary>A stored instant (the database keeps UTC <see cref="System.DateTime"/>s, whatever their Kind says).</summary>
    public string Date(DateTime utc, IFormatProvider? culture = null) => Date(AsUtc(utc), culture);

    /// <inheritdoc cref="Date(System.DateTime, IFormatProvider?)"/>
    public string DateTime(DateTime utc, IFormatProvider? culture = null) => DateTime(AsUtc(utc), culture);

    /// <inheritdoc cref="Date(System.DateTime, IFormatProvider?)"/>
    public string Time(DateTime utc, IFormatProvider? culture = null) => Time(AsUtc(utc), culture);

    /// <inheritdoc cref="Stamp(DateTimeOffset)"/>
    public IFormattable Stamp(DateTime utc) => Stamp(AsUtc(utc));

    /// <summary>A calendar date with no time of day (a birth date, a certification's end): only the culture's format.</summary>
    public static string Date(DateOnly date, IFormatProvider? culture = null) => date.ToString("d", culture ?? CultureInfo.CurrentCulture);

    /// <summary>
    /// An argument for a text formatted later in another culture (an e-mail in both languages): it renders as
    /// <see cref="DateTime(DateTimeOffset, IFormatProvider?)"/> in the culture the text is formatted with.
    /// </summary>
    public IFormattable Stamp(DateTimeOffset instant) => new Formattable(this, instant);

    private static DateTimeOffset AsUtc(DateTime utc) => new(System.DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    private DateTimeOffset Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    private string Offset(DateTimeOffset instant)
    {
        var offset = Zone.GetUtcOffset(instant);
        if (offset == TimeSpan.Zero)
        {
            return "UTC";
        }

        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var magnitude = offset.Duration();
        return magnitude.Minutes == 0
            ? $"UTC{sign}{magnitude.Hours}"
            : $"UTC{sign}{magnitude.Hours}:{magnitude.Minutes:00}";
    }

    private sealed class Formattable(PortalTime time, DateTimeOffset instant) : IFormattable
    {
        public string ToString(string? format, IFormatProvider? formatProvider) => time.DateTime(instant, formatProvider);

        public override string ToString() => time.DateTime(instant, CultureInfo.CurrentCulture);
    }
}

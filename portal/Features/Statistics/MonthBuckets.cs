using System.Linq.Expressions;

namespace Qtsp.Portal.Features.Statistics;

/// <summary>
/// The months of a period as UTC instants (each month starts at midnight of its first day in the portal's zone, so a
/// month may be 30 days and 23 hours long), and an expression that numbers an instant's month for a SQL GROUP BY: the
/// database groups by a CASE over the boundaries, which works the same on every provider and uses the column's index.
/// </summary>
public sealed class MonthBuckets
{
    private readonly DateTime[] _boundaries;

    public MonthBuckets(DateOnly first, DateOnly last, TimeZoneInfo zone)
    {
        Months = Enumerable.Range(0, (last.Year - first.Year) * 12 + last.Month - first.Month + 1).Select(first.AddMonths).ToArray();
        _boundaries = [.. Months.Select(m => StartUtc(m, zone)), StartUtc(last.AddMonths(1), zone)];
    }

    public IReadOnlyList<DateOnly> Months { get; }

    public DateTime StartUtc() => _boundaries[0];

    public DateTime EndUtc() => _boundaries[^1];

    /// <summary>
    /// <c>instant &lt; b1 ? 0 : instant &lt; b2 ? 1 : …</c> for an instant already known to be in the period. The
    /// boundaries are read from an array, so EF sends them as parameters and caches one plan per period length.
    /// </summary>
    public Expression<Func<T, int>> IndexOf<T>(Expression<Func<T, DateTime?>> instant)
    {
        var value = instant.Body;
        Expression index = Expression.Constant(Months.Count - 1);
        for (var i = Months.Count - 2; i >= 0; i--)
        {
            var boundary = Expression.Convert(Expression.ArrayIndex(Expression.Constant(_boundaries), Expression.Constant(i + 1)), typeof(DateTime?));
            index = Expression.Condition(Expression.LessThan(value, boundary), Expression.Constant(i), index);
        }

        return Expression.Lambda<Func<T, int>>(index, instant.Parameters);
    }

    private static DateTime StartUtc(DateOnly month, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTimeToUtc(month.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified), zone);
}

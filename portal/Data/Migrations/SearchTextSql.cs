using System.Globalization;
using System.Text;

namespace Qtsp.Portal.Data.Migrations;

/// <summary>
/// <see cref="SearchText.Normalize"/> as an SQL expression both providers run, for a migration that fills a new search
/// column from existing rows. Each mapping is taken from <see cref="SearchText.Normalize"/> itself (Latin-1 and Latin
/// Extended-A, which covers Czech, Slovak, Polish, German, Hungarian names); SQLite's LOWER folds ASCII only, so the
/// accented capitals are replaced before it.
/// </summary>
public static class SearchTextSql
{
    private static readonly char[] Separators = ['-', '.', ',', '\'', '’', '/', '(', ')', '"', '_', '&', '+'];

    public static string Normalize(string column)
    {
        var sql = new StringBuilder(column);
        for (var c = '\u00C0'; c <= '\u017F'; c++)
        {
            var folded = SearchText.Normalize(c.ToString());
            sql.Insert(0, "REPLACE(").Append(CultureInfo.InvariantCulture, $", '{c}', '{(folded.Length == 0 ? " " : folded)}')");
        }

        sql.Insert(0, "LOWER(").Append(')');
        foreach (var separator in Separators)
        {
            sql.Insert(0, "REPLACE(").Append(CultureInfo.InvariantCulture, $", '{(separator == '\'' ? "''" : separator.ToString())}', ' ')");
        }

        for (var i = 0; i < 4; i++)
        {
            sql.Insert(0, "REPLACE(").Append(", '  ', ' ')");
        }

        return $"TRIM({sql})";
    }
}

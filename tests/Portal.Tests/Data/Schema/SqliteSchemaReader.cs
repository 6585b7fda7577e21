using System.Data.Common;
using System.Text.RegularExpressions;

namespace Qtsp.Portal.Tests.Data.Schema;

/// <summary>The schema of a SQLite database, from sqlite_master and the pragma table functions.</summary>
public sealed partial class SqliteSchemaReader : ISchemaReader
{
    public async Task<DatabaseSchema> ReadAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        var objects = await connection.QueryRowsAsync("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE substr(name, 1, 7) <> 'sqlite_' ORDER BY name", cancellationToken);

        var tables = new List<TableSchema>();
        var others = new List<string>();
        foreach (var row in objects)
        {
            var (type, name, sql) = ((string)row["type"]!, (string)row["name"]!, row["sql"] as string);
            if (type == "table" && !SchemaBookkeeping.MigrationTables.Contains(name))
            {
                tables.Add(await ReadTableAsync(connection, name, sql ?? "", cancellationToken));
            }
            else if (type is "view" or "trigger")
            {
                others.Add($"{type} {name} on {row["tbl_name"]}");
            }
        }

        return new DatabaseSchema(tables, others);
    }

    private static async Task<TableSchema> ReadTableAsync(DbConnection connection, string table, string sql, CancellationToken cancellationToken)
    {
        var quoted = Quote(table);
        var columns = await connection.QueryRowsAsync($"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info({quoted}) ORDER BY cid", cancellationToken);
        var primaryKey = columns.Where(c => Convert.ToInt64(c["pk"], System.Globalization.CultureInfo.InvariantCulture) > 0)
            .OrderBy(c => Convert.ToInt64(c["pk"], System.Globalization.CultureInfo.InvariantCulture))
            .Select(c => (string)c["name"]!)
            .ToArray();
        // SQLite keeps AUTOINCREMENT only in the CREATE TABLE text; it applies to the single INTEGER PRIMARY KEY.
        var autoIncrement = AutoIncrement().IsMatch(sql);

        var columnSchemas = columns.Select(c => new ColumnSchema(
            Name: (string)c["name"]!,
            StoreType: ((string)c["type"]!).ToUpperInvariant(),
            Nullable: Convert.ToInt64(c["notnull"], System.Globalization.CultureInfo.InvariantCulture) == 0,
            Default: c["dflt_value"] as string,
            Identity: autoIncrement && primaryKey.Length == 1 && primaryKey[0] == (string)c["name"]!)).ToArray();

        var indexes = new List<IndexSchema>();
        foreach (var index in await connection.QueryRowsAsync($"SELECT name, \"unique\", origin, partial FROM pragma_index_list({quoted})", cancellationToken))
        {
            if ((string)index["origin"]! == "pk")
            {
                continue; // the primary key is compared as such
            }

            var name = (string)index["name"]!;
            var indexColumns = (await connection.QueryRowsAsync($"SELECT name FROM pragma_index_info({Quote(name)}) ORDER BY seqno", cancellationToken))
                .Select(c => (string)c["name"]!).ToArray();
            string? filter = null;
            if (Convert.ToInt64(index["partial"], System.Globalization.CultureInfo.InvariantCulture) == 1)
            {
                var indexSql = (await connection.QueryRowsAsync($"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = {Quote(name)}", cancellationToken)).Single()["sql"] as string ?? "";
                filter = PartialFilter().Match(indexSql).Groups[1].Value.Trim();
            }

            indexes.Add(new IndexSchema(name, indexColumns, Convert.ToInt64(index["unique"], System.Globalization.CultureInfo.InvariantCulture) == 1, filter));
        }

        var foreignKeys = (await connection.QueryRowsAsync($"SELECT id, seq, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list({quoted}) ORDER BY id, seq", cancellationToken))
            .GroupBy(f => Convert.ToInt64(f["id"], System.Globalization.CultureInfo.InvariantCulture))
            .Select(g => new ForeignKeySchema(
                g.Select(f => (string)f["from"]!).ToArray(),
                (string)g.First()["table"]!,
                g.Select(f => f["to"] as string ?? "").ToArray(),
                (string)g.First()["on_delete"]!))
            .ToArray();

        return new TableSchema(table, columnSchemas, primaryKey, indexes, foreignKeys);
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"\bAUTOINCREMENT\b", RegexOptions.IgnoreCase)]
    private static partial Regex AutoIncrement();

    [GeneratedRegex(@"\bWHERE\b(.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex PartialFilter();
}

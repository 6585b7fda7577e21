using System.Data.Common;
using System.Globalization;

namespace Qtsp.Portal.Tests.Data.Schema;

/// <summary>The schema of the current PostgreSQL schema (public), from pg_catalog.</summary>
public sealed class PostgresSchemaReader : ISchemaReader
{
    public async Task<DatabaseSchema> ReadAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        var tableNames = (await connection.QueryRowsAsync("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname
            """, cancellationToken)).Select(r => (string)r["relname"]!).Where(n => !SchemaBookkeeping.MigrationTables.Contains(n)).ToArray();

        var tables = new List<TableSchema>();
        foreach (var table in tableNames)
        {
            tables.Add(await ReadTableAsync(connection, table, cancellationToken));
        }

        // Views, sequences not owned by an identity column, functions and triggers are not part of the model.
        var others = (await connection.QueryRowsAsync("""
            SELECT 'view ' || c.relname AS description FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')
            UNION ALL
            SELECT 'sequence ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind = 'S'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')
            UNION ALL
            SELECT 'trigger ' || t.tgname || ' on ' || c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal
            UNION ALL
            SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema()
            """, cancellationToken)).Select(r => (string)r["description"]!).ToArray();

        return new DatabaseSchema(tables, others);
    }

    private static async Task<TableSchema> ReadTableAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        var relation = Quote(table);
        var columns = (await connection.QueryRowsAsync($"""
            SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull, a.attidentity,
                   pg_get_expr(d.adbin, d.adrelid) AS "default",
                   CASE WHEN a.attcollation <> t.typcollation THEN co.collname END AS collation
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE a.attrelid = {relation}::regclass AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, cancellationToken))
            .Select(c =>
            {
                var identity = c["attidentity"] is char i ? i.ToString() : c["attidentity"] as string ?? "";
                var defaultValue = c["default"] as string;
                var serial = defaultValue?.StartsWith("nextval(", StringComparison.Ordinal) == true;
                var collation = c["collation"] as string;
                return new ColumnSchema(
                    Name: (string)c["attname"]!,
                    StoreType: (string)c["type"]! + (collation is null ? "" : $" COLLATE \"{collation}\""),
                    Nullable: !(bool)c["attnotnull"]!,
                    Default: serial ? null : defaultValue,
                    Identity: identity is "a" or "d" || serial);
            })
            .ToArray();

        var primaryKey = (await connection.QueryRowsAsync($"""
            SELECT a.attname FROM pg_constraint k
            CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS key(attnum, position)
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = key.attnum
            WHERE k.conrelid = {relation}::regclass AND k.contype = 'p'
            ORDER BY key.position
            """, cancellationToken)).Select(r => (string)r["attname"]!).ToArray();

        var indexes = new List<IndexSchema>();
        foreach (var index in await connection.QueryRowsAsync($"""
            SELECT i.indexrelid::regclass::text AS name, i.indisunique, pg_get_expr(i.indpred, i.indrelid) AS filter, i.indexrelid
            FROM pg_index i WHERE i.indrelid = {relation}::regclass AND NOT i.indisprimary
            """, cancellationToken))
        {
            var indexColumns = (await connection.QueryRowsAsync($"""
                SELECT pg_get_indexdef(i.indexrelid, key.position::int, true) AS column
                FROM pg_index i CROSS JOIN LATERAL generate_series(1, i.indnkeyatts) AS key(position)
                WHERE i.indexrelid = {Convert.ToInt64(index["indexrelid"], CultureInfo.InvariantCulture)}
                ORDER BY key.position
                """, cancellationToken)).Select(r => Unquote((string)r["column"]!)).ToArray();
            indexes.Add(new IndexSchema(Unquote((string)index["name"]!), indexColumns, (bool)index["indisunique"]!, index["filter"] as string));
        }

        var foreignKeys = (await connection.QueryRowsAsync($"""
            SELECT k.conname, k.confrelid::regclass::text AS principal, k.confdeltype,
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY AS c(attnum, position)
                       JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.attnum ORDER BY c.position), ',') AS columns,
                   array_to_string(ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY AS c(attnum, position)
                       JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = c.attnum ORDER BY c.position), ',') AS principal_columns
            FROM pg_constraint k WHERE k.conrelid = {relation}::regclass AND k.contype = 'f'
            """, cancellationToken))
            .Select(f => new ForeignKeySchema(
                ((string)f["columns"]!).Split(','),
                Unquote((string)f["principal"]!),
                ((string)f["principal_columns"]!).Split(','),
                OnDelete(f["confdeltype"] is char c ? c : ((string)f["confdeltype"]!)[0])))
            .ToArray();

        return new TableSchema(table, columns, primaryKey, indexes, foreignKeys);
    }

    private static string OnDelete(char code) => code switch
    {
        'a' => "NO ACTION",
        'r' => "RESTRICT",
        'c' => "CASCADE",
        'n' => "SET NULL",
        'd' => "SET DEFAULT",
        _ => code.ToString(),
    };

    private static string Quote(string value) => "'\"" + value.Replace("'", "''", StringComparison.Ordinal).Replace("\"", "\"\"", StringComparison.Ordinal) + "\"'";

    private static string Unquote(string identifier) =>
        identifier.Length >= 2 && identifier[0] == '"' && identifier[^1] == '"' ? identifier[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal) : identifier;
}

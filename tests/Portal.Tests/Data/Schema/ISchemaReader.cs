using System.Data.Common;

namespace Qtsp.Portal.Tests.Data.Schema;

/// <summary>Reads the schema of an open database, leaving out EF's own bookkeeping tables.</summary>
public interface ISchemaReader
{
    Task<DatabaseSchema> ReadAsync(DbConnection connection, CancellationToken cancellationToken = default);
}

public static class SchemaBookkeeping
{
    /// <summary>Tables EF maintains for migrations: present only in a migrated database, not part of the model.</summary>
    public static readonly IReadOnlySet<string> MigrationTables = new HashSet<string>(StringComparer.Ordinal) { "__EFMigrationsHistory", "__EFMigrationsLock" };

    /// <summary>Runs a catalogue query and returns its rows by column name, NULL as null.</summary>
    public static async Task<List<Dictionary<string, object?>>> QueryRowsAsync(this DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = await reader.IsDBNullAsync(i, cancellationToken) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}

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
}

using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Scaffolding;
using Microsoft.EntityFrameworkCore.Scaffolding.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Qtsp.Portal.Tests.Data.Schema;

/// <summary>
/// A schema as sorted lines of facts (tables; columns with store type, nullability, collation, default and identity;
/// primary keys; indexes with their filters; foreign keys with their delete rule), so two compare as sets and a
/// difference reads as a list of lines: the schema the model asks for, and the schema a database really has, read by
/// the provider's own reverse-engineering reader (the one <c>dotnet ef dbcontext scaffold</c> uses).
/// </summary>
public static class SchemaFacts
{
    private static readonly HashSet<string> MigrationBookkeeping = new(StringComparer.Ordinal) { "__EFMigrationsHistory", "__EFMigrationsLock" };

    /// <summary>What the model maps to: the design-time model of <paramref name="context"/>, as migrations see it.</summary>
    public static IReadOnlyList<string> OfModel(DbContext context)
    {
        var model = context.GetService<IDesignTimeModel>().Model.GetRelationalModel();
        var lines = new List<string>();
        foreach (var table in model.Tables)
        {
            lines.Add($"table {table.Name}");
            lines.AddRange(table.Columns.Select(c => Column(table.Name, c.Name, c.StoreType, c.IsNullable, c.Collation, c.DefaultValueSql,
                identity: c.PropertyMappings.Any(m => IsGeneratedKey(m.Property)))));
            if (table.PrimaryKey is { } primaryKey)
            {
                lines.Add(PrimaryKey(table.Name, primaryKey.Columns.Select(c => c.Name)));
            }

            lines.AddRange(table.Indexes.Select(i => Index(table.Name, i.Name, i.Columns.Select(c => c.Name), i.IsUnique, i.Filter)));
            lines.AddRange(table.ForeignKeyConstraints.Select(f =>
                ForeignKey(table.Name, f.Columns.Select(c => c.Name), f.PrincipalTable.Name, f.PrincipalColumns.Select(c => c.Name), f.OnDeleteAction)));
            lines.AddRange(table.UniqueConstraints.Where(u => !u.GetIsPrimaryKey()).Select(u => UniqueConstraint(table.Name, u.Columns.Select(c => c.Name))));
        }

        lines.AddRange(model.Views.Select(v => $"view {v.Name}"));
        lines.AddRange(model.Sequences.Select(s => $"sequence {s.Name}"));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>What <paramref name="context"/>'s database has, leaving out EF's migration bookkeeping.</summary>
    public static IReadOnlyList<string> OfDatabase(DbContext context)
    {
        var database = ReverseEngineer(context);
        var lines = new List<string>();
        foreach (var table in database.Tables.Where(t => !MigrationBookkeeping.Contains(t.Name)))
        {
            if (table is DatabaseView)
            {
                lines.Add($"view {table.Name}");
                continue;
            }

            lines.Add($"table {table.Name}");
            lines.AddRange(table.Columns.Select(c => Column(table.Name, c.Name, c.StoreType ?? "?", c.IsNullable, c.Collation, c.DefaultValueSql,
                identity: c.ValueGenerated == ValueGenerated.OnAdd)));
            if (table.PrimaryKey is { } primaryKey)
            {
                lines.Add(PrimaryKey(table.Name, primaryKey.Columns.Select(c => c.Name)));
            }

            lines.AddRange(table.Indexes.Select(i => Index(table.Name, i.Name ?? "?", i.Columns.Select(c => c.Name), i.IsUnique, i.Filter ?? SqliteIndexFilter(context, i.Name))));
            lines.AddRange(table.ForeignKeys.Select(f =>
                ForeignKey(table.Name, f.Columns.Select(c => c.Name), f.PrincipalTable.Name, f.PrincipalColumns.Select(c => c.Name), f.OnDelete ?? ReferentialAction.NoAction)));
            lines.AddRange(table.UniqueConstraints.Select(u => UniqueConstraint(table.Name, u.Columns.Select(c => c.Name))));
        }

        lines.AddRange(database.Sequences.Select(s => $"sequence {s.Name}"));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>Fails with the lines only one side has.</summary>
    public static void ShouldBeSame(IReadOnlyList<string> actual, IReadOnlyList<string> expected, string actualName, string expectedName)
    {
        var missing = expected.Except(actual).ToArray();
        var extra = actual.Except(expected).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            throw new ShouldAssertException(
                $"The {actualName} schema differs from the {expectedName} schema.\n" +
                $"Only in the {expectedName} schema:\n  {string.Join("\n  ", missing)}\n" +
                $"Only in the {actualName} schema:\n  {string.Join("\n  ", extra)}");
        }
    }

    private static DatabaseModel ReverseEngineer(DbContext context)
    {
        // The provider names its design-time services in an assembly attribute; dotnet ef finds them the same way.
        var providerAssembly = Assembly.Load(new AssemblyName(context.Database.ProviderName!));
        var attribute = providerAssembly.GetCustomAttribute<DesignTimeProviderServicesAttribute>()
            ?? throw new InvalidOperationException($"{providerAssembly.GetName().Name} names no design-time services.");
        var providerServices = (IDesignTimeServices)Activator.CreateInstance(providerAssembly.GetType(attribute.TypeName, throwOnError: true)!)!;
        var services = new ServiceCollection();
        providerServices.ConfigureDesignTimeServices(services);
        services.AddEntityFrameworkDesignTimeServices();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IDatabaseModelFactory>().Create(context.Database.GetDbConnection(), new DatabaseModelFactoryOptions());
    }

    /// <summary>
    /// EF's SQLite reader does not read the WHERE of a partial index: it is taken from the index's CREATE statement, the
    /// only place SQLite keeps it.
    /// </summary>
    private static string? SqliteIndexFilter(DbContext context, string? index)
    {
        if (!context.Database.IsSqlite() || index is null)
        {
            return null;
        }

        var sql = context.Database.SqlQuery<string>($"SELECT sql AS \"Value\" FROM sqlite_master WHERE type = 'index' AND name = {index}").AsEnumerable().SingleOrDefault();
        var where = sql?.IndexOf(" WHERE ", StringComparison.OrdinalIgnoreCase) ?? -1;
        return where < 0 ? null : sql![(where + " WHERE ".Length)..].Trim();
    }

    /// <summary>A key whose values the database generates (SQLite AUTOINCREMENT, PostgreSQL identity).</summary>
    private static bool IsGeneratedKey(IProperty property) =>
        property.IsPrimaryKey() && property.ValueGenerated == ValueGenerated.OnAdd && (property.ClrType == typeof(long) || property.ClrType == typeof(int));

    private static string Column(string table, string name, string storeType, bool nullable, string? collation, string? defaultSql, bool identity) =>
        $"column {table}.{name} {storeType}{(nullable ? " NULL" : " NOT NULL")}{(collation is null ? "" : $" COLLATE {collation}")}" +
        $"{(defaultSql is null ? "" : $" DEFAULT {defaultSql}")}{(identity ? " IDENTITY" : "")}";

    private static string PrimaryKey(string table, IEnumerable<string> columns) => $"primary key {table} ({string.Join(", ", columns)})";

    private static string UniqueConstraint(string table, IEnumerable<string> columns) => $"unique constraint {table} ({string.Join(", ", columns)})";

    private static string Index(string table, string name, IEnumerable<string> columns, bool unique, string? filter) =>
        $"index {table}.{name} ({string.Join(", ", columns)}){(unique ? " UNIQUE" : "")}{(filter is null ? "" : $" WHERE {Unparenthesised(filter)}")}";

    private static string ForeignKey(string table, IEnumerable<string> columns, string principal, IEnumerable<string> principalColumns, ReferentialAction onDelete) =>
        $"foreign key {table} ({string.Join(", ", columns)}) -> {principal} ({string.Join(", ", principalColumns)}) ON DELETE {onDelete}";

    /// <summary>PostgreSQL gives a filter back in parentheses.</summary>
    private static string Unparenthesised(string filter) =>
        filter.Length > 1 && filter[0] == '(' && filter[^1] == ')' ? filter[1..^1] : filter;
}

using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Qtsp.Portal.Data;
using Qtsp.Portal.Tests.Data.Schema;

namespace Qtsp.Portal.Tests.Data;

/// <summary>
/// Migrations are written by hand (no EF design-time package, no model snapshot), so nothing else notices when a
/// migration and the model drift apart: the schema the migrations build must be the schema EF builds from the model.
/// </summary>
public sealed class MigratedSchemaTests
{
    private static async Task<DatabaseSchema> MigratedSchemaAsync(ITestDatabase database)
    {
        await using (var db = database.NewContext())
        {
            await db.Database.MigrateAsync();
        }

        await using var connection = await database.OpenAsync();
        return await database.SchemaReader.ReadAsync(connection);
    }

    private static async Task<DatabaseSchema> ModelSchemaAsync(ITestDatabase database)
    {
        await using (var db = database.NewContext())
        {
            (await db.Database.EnsureCreatedAsync()).ShouldBeTrue();
        }

        await using var connection = await database.OpenAsync();
        return await database.SchemaReader.ReadAsync(connection);
    }

    internal static void ShouldBeSameSchema(DatabaseSchema actual, DatabaseSchema expected, string actualName, string expectedName)
    {
        var actualLines = actual.Describe();
        var expectedLines = expected.Describe();
        var missing = expectedLines.Except(actualLines).ToArray();
        var extra = actualLines.Except(expectedLines).ToArray();
        if (missing.Length > 0 || extra.Length > 0)
        {
            throw new ShouldAssertException(
                $"The {actualName} schema differs from the {expectedName} schema.\n" +
                $"Only in the {expectedName} schema:\n  {string.Join("\n  ", missing)}\n" +
                $"Only in the {actualName} schema:\n  {string.Join("\n  ", extra)}");
        }
    }

    public static TheoryData<DatabaseProvider> Providers() => TestDatabases.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrated_schema_equals_the_schema_of_the_model(DatabaseProvider provider)
    {
        using var migratedDatabase = TestDatabases.Create(provider, "schema-migrated");
        using var modelDatabase = TestDatabases.Create(provider, "schema-model");

        var migrated = await MigratedSchemaAsync(migratedDatabase);
        var model = await ModelSchemaAsync(modelDatabase);

        model.Tables.Select(t => t.Name).ShouldBe(
            [
                "Applicants", "AspNetRoleClaims", "AspNetRoles", "AspNetUserClaims", "AspNetUserLogins", "AspNetUserRoles", "AspNetUserTokens",
                "AspNetUsers", "AuditEvents", "CertificateRequests", "Certificates", "DataProtectionKeys", "DeviceBindings", "Organisations",
                "OutboxMessages", "SecureDevices", "SupportSessions",
            ],
            ignoreOrder: true);
        ShouldBeSameSchema(migrated, model, "migrated", "model");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Every_migration_is_found_and_applied_in_order(DatabaseProvider provider)
    {
        using var database = TestDatabases.Create(provider, "schema-history");
        await using var db = database.NewContext();

        await db.Database.MigrateAsync();

        // A class derived from Migration without [Migration] and [DbContext] is skipped by EF without a word.
        var migrationTypes = typeof(PortalDbContext).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Migration)) && !t.IsAbstract).ToArray();
        migrationTypes.ShouldNotBeEmpty();
        foreach (var type in migrationTypes)
        {
            type.GetCustomAttribute<MigrationAttribute>().ShouldNotBeNull(type.Name);
            type.GetCustomAttribute<DbContextAttribute>().ShouldNotBeNull(type.Name).ContextType.ShouldBe(typeof(PortalDbContext), type.Name);
        }

        var known = db.Database.GetMigrations().ToArray();
        known.Length.ShouldBe(migrationTypes.Length);
        known.ShouldContain("20261122000001_AuditEvents");
        known.ShouldContain("20261123000001_CustomerData");
        known.ShouldBe(known.Order(StringComparer.Ordinal).ToArray(), "migration ids sort in the order they apply");
        (await db.Database.GetAppliedMigrationsAsync()).ShouldBe(known);
        (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrations_roll_back_completely_and_apply_again(DatabaseProvider provider)
    {
        using var database = TestDatabases.Create(provider, "schema-down");
        using var modelDatabase = TestDatabases.Create(provider, "schema-down-model");
        var model = await ModelSchemaAsync(modelDatabase);

        await using (var db = database.NewContext())
        {
            await db.Database.MigrateAsync();
            await db.GetService<IMigrator>().MigrateAsync(Migration.InitialDatabase);
        }

        await using (var connection = await database.OpenAsync())
        {
            (await database.SchemaReader.ReadAsync(connection)).Describe().ShouldBeEmpty("after rolling back every migration");
        }

        ShouldBeSameSchema(await MigratedSchemaAsync(database), model, "re-migrated", "model");
    }

    [Theory]
    [InlineData("DROP INDEX IX_AuditEvents_OccurredAtUtc", "index AuditEvents.IX_AuditEvents_OccurredAtUtc (OccurredAtUtc)")]
    [InlineData("ALTER TABLE AuditEvents ADD COLUMN Extra TEXT NULL", "column AuditEvents.Extra TEXT NULL")]
    [InlineData("CREATE UNIQUE INDEX IX_AuditEvents_Action ON AuditEvents (Action)", "index AuditEvents.IX_AuditEvents_Action (Action) UNIQUE")]
    [InlineData("CREATE TABLE Other (Id INTEGER NOT NULL PRIMARY KEY, AuditId INTEGER NOT NULL REFERENCES AuditEvents (Id) ON DELETE CASCADE)", "foreign key Other (AuditId) -> AuditEvents (Id) ON DELETE CASCADE")]
    public async Task The_comparison_notices_a_difference_in_sqlite(string alteration, string expectedLine)
    {
        using var database = SqliteDatabase.Create("schema-altered");
        using var modelDatabase = SqliteDatabase.Create("schema-altered-model");
        await ShouldNoticeAsync(database, modelDatabase, alteration, expectedLine);
    }

    [Fact]
    public async Task Sqlite_reader_sees_nullability_types_keys_and_identity()
    {
        using var database = SqliteDatabase.Create("schema-reader");
        var schema = await MigratedSchemaAsync(database);

        var audit = schema.Tables.Single(t => t.Name == "AuditEvents");
        audit.PrimaryKey.ShouldBe(["Id"]);
        var columns = audit.Columns.ToDictionary(c => c.Name);
        columns["Id"].ShouldBe(new ColumnSchema("Id", "INTEGER", Nullable: false, Default: null, Identity: true));
        columns["Actor"].ShouldBe(new ColumnSchema("Actor", "TEXT", Nullable: false, Default: null, Identity: false));
        columns["OnBehalfOf"].Nullable.ShouldBeTrue();
        columns["OccurredAtUtc"].Nullable.ShouldBeFalse();
        audit.Indexes.Select(i => (i.Name, string.Join(",", i.Columns), i.Unique)).ShouldBe(
            [
                ("IX_AuditEvents_OccurredAtUtc", "OccurredAtUtc", false), ("IX_AuditEvents_Subject_OccurredAtUtc", "Subject,OccurredAtUtc", false),
                ("IX_AuditEvents_Actor_OccurredAtUtc", "Actor,OccurredAtUtc", false), ("IX_AuditEvents_SupportSessionId", "SupportSessionId", false),
            ],
            ignoreOrder: true);
        var bindings = schema.Tables.Single(t => t.Name == "DeviceBindings");
        bindings.Indexes.Single(i => i.Name == "IX_DeviceBindings_DeviceId_Active").ShouldBe(
            new IndexSchema("IX_DeviceBindings_DeviceId_Active", ["DeviceId"], Unique: true, Filter: "\"CancelledAtUtc\" IS NULL"), new IndexSchemaComparer());
        bindings.ForeignKeys.ShouldContain(f => f.PrincipalTable == "SecureDevices" && f.OnDelete == "RESTRICT");
    }

    [Fact]
    public async Task Postgres_reader_sees_types_lengths_collations_identity_filters_and_delete_rules()
    {
        using var database = await PostgresDatabase.CreateAsync("schema-reader");
        var schema = await MigratedSchemaAsync(database);

        var audit = schema.Tables.Single(t => t.Name == "AuditEvents");
        audit.PrimaryKey.ShouldBe(["Id"]);
        var columns = audit.Columns.ToDictionary(c => c.Name);
        columns["Id"].ShouldBe(new ColumnSchema("Id", "bigint", Nullable: false, Default: null, Identity: true));
        columns["Actor"].ShouldBe(new ColumnSchema("Actor", "character varying(256)", Nullable: false, Default: null, Identity: false));
        columns["OccurredAtUtc"].StoreType.ShouldBe("timestamp with time zone");
        columns["Details"].ShouldBe(new ColumnSchema("Details", "text", Nullable: true, Default: null, Identity: false));

        var applicants = schema.Tables.Single(t => t.Name == "Applicants").Columns.ToDictionary(c => c.Name);
        applicants["SearchName"].StoreType.ShouldBe("character varying(201) COLLATE \"C\"");
        applicants["LastName"].StoreType.ShouldBe("character varying(100)");
        applicants["DateOfBirth"].StoreType.ShouldBe("date");
        applicants["IsBlocked"].StoreType.ShouldBe("boolean");
        schema.Tables.Single(t => t.Name == "Certificates").Columns.Single(c => c.Name == "Der").StoreType.ShouldBe("bytea");

        var bindings = schema.Tables.Single(t => t.Name == "DeviceBindings");
        var active = bindings.Indexes.Single(i => i.Name == "IX_DeviceBindings_DeviceId_Active");
        active.Unique.ShouldBeTrue();
        active.Columns.ShouldBe(["DeviceId"]);
        active.Filter.ShouldBe("(\"CancelledAtUtc\" IS NULL)");
        bindings.ForeignKeys.ShouldContain(f => f.PrincipalTable == "SecureDevices" && f.OnDelete == "RESTRICT" && f.Columns.Count == 1 && f.Columns[0] == "DeviceId");
        schema.Tables.Single(t => t.Name == "AspNetUserRoles").PrimaryKey.ShouldBe(["UserId", "RoleId"]);
        schema.Tables.Single(t => t.Name == "AspNetUserClaims").ForeignKeys.ShouldHaveSingleItem().OnDelete.ShouldBe("CASCADE");
        schema.OtherObjects.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("DROP INDEX \"IX_AuditEvents_OccurredAtUtc\"", "index AuditEvents.IX_AuditEvents_OccurredAtUtc (OccurredAtUtc)")]
    [InlineData("ALTER TABLE \"AuditEvents\" ADD COLUMN \"Extra\" text NULL", "column AuditEvents.Extra text NULL")]
    [InlineData("ALTER TABLE \"Applicants\" ALTER COLUMN \"SearchName\" TYPE character varying(201) COLLATE \"default\"", "column Applicants.SearchName character varying(201) COLLATE \"C\" NOT NULL")]
    [InlineData("ALTER TABLE \"Applicants\" ALTER COLUMN \"LastName\" TYPE character varying(120)", "column Applicants.LastName character varying(100) NOT NULL")]
    [InlineData("CREATE UNIQUE INDEX \"IX_Other\" ON \"AuditEvents\" (\"Action\") WHERE \"Subject\" IS NOT NULL", "index AuditEvents.IX_Other (Action) UNIQUE WHERE (\"Subject\" IS NOT NULL)")]
    [InlineData("CREATE VIEW \"Everything\" AS SELECT 1 AS one", "object view Everything")]
    public async Task The_comparison_notices_a_difference_in_postgres(string alteration, string expectedLine)
    {
        using var database = await PostgresDatabase.CreateAsync("schema-altered");
        using var modelDatabase = await PostgresDatabase.CreateAsync("schema-altered-model");
        await ShouldNoticeAsync(database, modelDatabase, alteration, expectedLine);
    }

    /// <summary>Alters a database built from the model; the comparison with an unaltered one names the difference.</summary>
    private static async Task ShouldNoticeAsync(ITestDatabase database, ITestDatabase modelDatabase, string alteration, string expectedLine)
    {
        var model = await ModelSchemaAsync(modelDatabase);
        await ModelSchemaAsync(database);
        await using (var connection = await database.OpenAsync())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = alteration;
            await command.ExecuteNonQueryAsync();
        }

        DatabaseSchema altered;
        await using (var connection = await database.OpenAsync())
        {
            altered = await database.SchemaReader.ReadAsync(connection);
        }

        var failure = Should.Throw<ShouldAssertException>(() => ShouldBeSameSchema(altered, model, "altered", "model"));
        failure.Message.ShouldContain(expectedLine);
    }

    private sealed class IndexSchemaComparer : IEqualityComparer<IndexSchema>
    {
        public bool Equals(IndexSchema? x, IndexSchema? y) =>
            x is not null && y is not null && x.Name == y.Name && x.Columns.SequenceEqual(y.Columns) && x.Unique == y.Unique && x.Filter == y.Filter;

        public int GetHashCode(IndexSchema obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrated_database_stores_audit_events_in_utc(DatabaseProvider provider)
    {
        using var database = TestDatabases.Create(provider, "schema-use");
        await MigratedSchemaAsync(database);
        var local = new DateTime(2026, 11, 22, 10, 30, 0, DateTimeKind.Local);

        await using (var db = database.NewContext())
        {
            db.AuditEvents.Add(new AuditEvent { Actor = "support:eva", OnBehalfOf = "holder:jan", Action = "applicant.blocked", Subject = "applicant:42", OccurredAtUtc = local });
            await db.SaveChangesAsync();
        }

        await using (var db = database.NewContext())
        {
            var stored = await db.AuditEvents.SingleAsync();
            stored.Id.ShouldBeGreaterThan(0);
            stored.OccurredAtUtc.Kind.ShouldBe(DateTimeKind.Utc);
            stored.OccurredAtUtc.ShouldBe(local.ToUniversalTime());
            stored.OnBehalfOf.ShouldBe("holder:jan");
        }
    }
}

using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Qtsp.Portal.Data;
using Qtsp.Portal.Data.Migrations;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Tests.Data.Schema;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Data;

/// <summary>
/// Databases made by the hand-written migrations of before (Legacy/README.md: a SQLite file and a PostgreSQL dump made
/// by commit 3a66479) start with today's portal: the baseline takes over their history, nothing is lost, the schema is
/// the model's, and the holder's certificates are served.
/// </summary>
public sealed class LegacyDatabaseUpgradeTests
{
    private static readonly string LegacyFolder = Path.Combine(RepositoryPaths.Root, "tests", "Portal.Tests", "Data", "Legacy");

    public static TheoryData<DatabaseProvider> Providers() => TestDatabases.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_portal_starts_on_a_legacy_database_and_serves_the_holders_certificates(DatabaseProvider provider)
    {
        await using var legacy = await LegacyDatabase.RestoreAsync(provider);
        (await HistoryAsync(legacy.Connection)).ShouldBe([LegacyMigrationHistory.AuditEvents, LegacyMigrationHistory.CustomerData]);

        await using (var server = await PortalServer.StartAsync((Action<IServiceCollection>?)null,
            "--Database:Provider", provider.ToString(), "--ConnectionStrings:Portal", legacy.Connection.ConnectionString))
        {
            var data = new TestData(server.App.Services);
            var holder = await data.DbAsync(db => db.Users.SingleAsync(u => u.UserName == "jan.stary"));
            var account = new TestAccount(holder.Id, "jan.stary", "", null);

            var listed = await data.AsAsync<CertificateService, IReadOnlyList<CertificateListItem>>(account, service => service.ListAsync());

            listed.Select(c => (c.SerialNumber, c.Status, c.DeviceSerial)).ShouldBe(
                [("0A11CE0001", CertificateStatus.Issued, "LEGACY0000000001"), ("0A11CE0002", CertificateStatus.Revoked, null)]);
            listed[0].NotAfterUtc.ShouldBe(new DateTime(2027, 11, 20, 0, 0, 0, DateTimeKind.Utc));
            var (der, _) = await data.AsAsync<CertificateService, (byte[], string)>(account, service => service.DownloadAsync(listed[0].Id));
            using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(der);
            certificate.SerialNumber.ShouldBe("0A11CE0001");
            certificate.Subject.ShouldBe("CN=Jan Starý, O=Legacy");

            (await data.DbAsync(db => db.Applicants.OrderBy(a => a.Id).Select(a => a.LastName).ToListAsync())).ShouldBe(["Starý", "Zaměstnaná"]);
            (await data.DbAsync(db => db.Applicants.SingleAsync(a => a.EmployeeNumber == "E-0042"))).Revision.ShouldBe(3);
            (await data.DbAsync(db => db.CertificateRequests.SingleAsync())).RequestNumber.ShouldBe("BP0000000042");
            (await data.DbAsync(db => db.DeviceBindings.CountAsync(b => b.CancelledAtUtc == null))).ShouldBe(1);
            (await data.DbAsync(db => db.OutboxMessages.SingleAsync(m => m.Kind == "legacy.notice"))).Body.ShouldBe("Tělo");
            (await data.DbAsync(db => db.AuditEvents.CountAsync(a => a.Action == "certificate.issued"))).ShouldBe(1);
            (await data.DbAsync(db => db.Users.CountAsync())).ShouldBe(2);
        }

        await using var migrations = SchemaMigrations.NewContext(legacy.Connection);
        (await HistoryAsync(legacy.Connection)).ShouldBe(migrations.Database.GetMigrations());
        SchemaFacts.ShouldBeSame(SchemaFacts.OfDatabase(migrations), SchemaFacts.OfModel(migrations), "upgraded legacy", "model");
        var second = await SchemaMigrations.MigrateAsync(legacy.Connection);
        second.ShouldBe(new MigrationResult(LegacyHistoryOutcome.None, []), "a second start finds nothing to do");
    }

    [Fact]
    public async Task A_legacy_history_without_both_hand_written_migrations_is_refused_and_left_as_it_was()
    {
        await using var legacy = await LegacyDatabase.RestoreAsync(DatabaseProvider.Sqlite);
        await using (var db = SchemaMigrations.NewContext(legacy.Connection))
        {
            await db.Database.ExecuteSqlAsync($"DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = {LegacyMigrationHistory.CustomerData}");
        }

        var refusal = await Should.ThrowAsync<InvalidOperationException>(() => SchemaMigrations.MigrateAsync(legacy.Connection));

        refusal.Message.ShouldContain(LegacyMigrationHistory.CustomerData);
        refusal.Message.ShouldContain("3a66479");
        (await HistoryAsync(legacy.Connection)).ShouldBe([LegacyMigrationHistory.AuditEvents]);
    }

    private static async Task<string[]> HistoryAsync(DatabaseConnection database)
    {
        await using var db = SchemaMigrations.NewContext(database);
        return (await db.Database.GetAppliedMigrationsAsync()).ToArray();
    }

    /// <summary>A copy of a legacy fixture: the SQLite file copied, the PostgreSQL dump restored with psql into a new database.</summary>
    private sealed class LegacyDatabase : IAsyncDisposable
    {
        private readonly string? _directory;
        private readonly string? _postgresDatabase;

        private LegacyDatabase(DatabaseConnection connection, string? directory, string? postgresDatabase)
        {
            Connection = connection;
            _directory = directory;
            _postgresDatabase = postgresDatabase;
        }

        public DatabaseConnection Connection { get; }

        public static async Task<LegacyDatabase> RestoreAsync(DatabaseProvider provider)
        {
            if (provider == DatabaseProvider.Sqlite)
            {
                var directory = RepositoryPaths.NewTemporaryDirectory("legacy-sqlite");
                var file = Path.Combine(directory, "portal.db");
                File.Copy(Path.Combine(LegacyFolder, "portal-3a66479.db"), file);
                var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString();
                return new LegacyDatabase(new DatabaseConnection(provider, connectionString), directory, null);
            }

            var name = await TestPostgres.CreateDatabaseAsync("legacy");
            try
            {
                var target = new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionString(name));
                await ProcessRunner.RunCheckedAsync("psql",
                    ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", target.Host!, "-p", target.Port.ToString(CultureInfo.InvariantCulture), "-U", target.Username!,
                        "-d", name, "-f", Path.Combine(LegacyFolder, "portal-3a66479.postgres.sql")],
                    new Dictionary<string, string> { ["PGPASSWORD"] = target.Password! });
                return new LegacyDatabase(new DatabaseConnection(provider, target.ConnectionString), null, name);
            }
            catch
            {
                await TestPostgres.DropDatabaseAsync(name);
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_directory is not null)
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(_directory, recursive: true);
            }

            if (_postgresDatabase is not null)
            {
                await TestPostgres.DropDatabaseAsync(_postgresDatabase);
            }
        }
    }
}

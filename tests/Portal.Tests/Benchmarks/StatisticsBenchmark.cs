using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Statistics;
using Qtsp.Portal.Tests.Data;
using Xunit.Abstractions;

namespace Qtsp.Portal.Tests.Benchmarks;

/// <summary>
/// The statistics page's queries over 100,000 certificates of 20,000 applicants (ten organisations of 2,000, five
/// certificates each, a request each, 2,000 devices): the service (authorisation scope, EF LINQ, a context per page as
/// in the portal) against the same aggregations in bare SQL on one open connection, for a representative (one
/// organisation) and for staff (all). Run with eng/bench.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class StatisticsBenchmark(ITestOutputHelper output)
{
    private const int Organisations = 10;
    private const int ApplicantsPerOrganisation = 2_000;
    private const int Applicants = Organisations * ApplicantsPerOrganisation;
    private const int CertificatesPerApplicant = 5;
    private const int Devices = 2_000;
    private const int WarmUp = 5;
    private const int Runs = 40;
    private const int EndingSoonDays = 90;

    private static readonly DateTime Now = new(2026, 12, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly DateOnly Today = new(2026, 12, 1);
    private static readonly TimeZoneInfo Prague = TimeZoneInfo.FindSystemTimeZoneById("Europe/Prague");
    private static readonly CertificateType[] Types = [CertificateType.Qualified, CertificateType.Qualified, CertificateType.Qualified, CertificateType.Commercial, CertificateType.Commercial, CertificateType.Seal];

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Statistics_over_100000_certificates_against_bare_sql_aggregations(DatabaseProvider provider)
    {
        using var database = TestDatabases.Create(provider, "bench-statistics");
        await database.MigrateAsync();
        List<long> organisationIds;
        await using (var db = database.NewContext())
        {
            for (var i = 0; i < Organisations; i++)
            {
                db.Organisations.Add(new Organisation { Name = $"Bench {i}", CompanyId = $"{10_000_000 + i}", ContractNumber = $"BENCH-{i}", CreatedAtUtc = Now });
            }

            await db.SaveChangesAsync();
            organisationIds = await db.Organisations.OrderBy(o => o.Id).Select(o => o.Id).ToListAsync();
        }

        var fill = Stopwatch.StartNew();
        await using (var connection = await database.OpenAsync())
        {
            await FillAsync(connection, organisationIds);
        }

        output.WriteLine($"{provider}: {Applicants:N0} applicants, {Applicants * CertificatesPerApplicant:N0} certificates, {Applicants:N0} requests, {Devices:N0} devices inserted in {fill.Elapsed.TotalSeconds:0.0} s");

        var representative = new Actor("bench", "bench", "Bench", new HashSet<string> { PortalRoles.CompanyRepresentative }, organisationIds[0], "Bench 0", "BENCH-0", null);
        var staff = new Actor("staff", "staff", "Staff", new HashSet<string> { PortalRoles.RaOperator }, null, null, null, null);
        await using var bare = await database.OpenAsync();
        foreach (var (name, actor, organisation) in new[] { ("representative (one organisation)", representative, (long?)organisationIds[0]), ("staff (all organisations)", staff, null) })
        {
            var filter = new StatisticsFilter();
            var viaService = await ServiceAsync(database, actor, filter);
            var viaSql = await BareAsync(bare, organisation, viaService.Filter);
            // Same figures first: the times compare like with like.
            Figures(viaService).ShouldBe(viaSql, name);
            viaService.Certificates.Sum(c => c.Count).ShouldBe(organisation is null ? Applicants * CertificatesPerApplicant : ApplicantsPerOrganisation * CertificatesPerApplicant, name);

            var serviceTimes = new List<double>();
            var sqlTimes = new List<double>();
            for (var i = 0; i < WarmUp + Runs; i++)
            {
                // Interleaved, so that both see the same machine state.
                var start = Stopwatch.GetTimestamp();
                await ServiceAsync(database, actor, filter);
                var service = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                start = Stopwatch.GetTimestamp();
                await BareAsync(bare, organisation, viaService.Filter);
                var sql = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (i >= WarmUp)
                {
                    serviceTimes.Add(service);
                    sqlTimes.Add(sql);
                }
            }

            var serviceStats = Stats.Of(serviceTimes);
            var sqlStats = Stats.Of(sqlTimes);
            output.WriteLine($"{provider}, {name}: statistics service (EF, scope, context per page): {serviceStats}");
            output.WriteLine($"{provider}, {name}: bare SQL aggregations, same figures:              {sqlStats}");
            output.WriteLine(FormattableString.Invariant($"{provider}, {name}: ratio p50 {serviceStats.P50 / sqlStats.P50:0.00}x, p95 {serviceStats.P95 / sqlStats.P95:0.00}x"));
        }
    }

    private static async Task<StatisticsReport> ServiceAsync(ITestDatabase database, Actor actor, StatisticsFilter filter)
    {
        await using var db = database.NewContext();
        return await StatisticsService.ReportAsync(db, actor, filter, Now, Today, Prague, EndingSoonDays);
    }

    /// <summary>The report's figures in one comparable shape.</summary>
    private static List<string> Figures(StatisticsReport report) =>
    [
        .. report.Certificates.Select(c => $"{c.Type}/{c.State}={c.Count}"),
        $"expiring={report.Expiring.Within30Days}/{report.Expiring.Within60Days}/{report.Expiring.Within90Days}",
        .. report.Months.Select(m => $"{m.Month:yyyy-MM}={m.Issued}/{m.Revoked}"),
        .. report.Requests.Select(r => $"{r.Status}={r.Count}"),
        $"devices={string.Join(',', report.DevicesEndingSoon.Select(d => d.DeviceId))}",
    ];

    /// <summary>The same figures by hand-written SQL (one text for both providers), read into the same shape.</summary>
    private static async Task<List<string>> BareAsync(DbConnection connection, long? organisation, StatisticsFilter period)
    {
        var months = Enumerable.Range(0, StatisticsFilter.DefaultMonths).Select(period.From!.Value.AddMonths).ToArray();
        var bounds = months.Append(period.To!.Value.AddMonths(1)).Select(m => TimeZoneInfo.ConvertTimeToUtc(m.ToDateTime(TimeOnly.MinValue), Prague)).ToArray();
        DateTime EndOfDay(int days) => TimeZoneInfo.ConvertTimeToUtc(Today.AddDays(days + 1).ToDateTime(TimeOnly.MinValue), Prague);
        var scope = organisation is null ? "" : """JOIN "Applicants" AS a ON a."Id" = c."ApplicantId" AND a."OrganisationId" = @o""";
        string Bucket(string column) => "CASE " + string.Join(' ', Enumerable.Range(1, months.Length - 1).Select(i => $"WHEN {column} < @b{i} THEN {i - 1}")) + $" ELSE {months.Length - 1} END";

        var figures = new List<string>();
        var states = new[] { CertificateState.Valid, CertificateState.Expired, CertificateState.Revoked };
        var byType = await RowsAsync(connection, $"""
            SELECT c."Type", CASE WHEN c."Status" = 'Revoked' THEN 2 WHEN c."NotAfterUtc" <= @now THEN 1 ELSE 0 END AS s, COUNT(*)
            FROM "Certificates" AS c {scope} GROUP BY c."Type", s
            """, organisation, bounds);
        figures.AddRange(byType.Select(r => (Type: Enum.Parse<CertificateType>((string)r[0]), State: states[Convert.ToInt32(r[1], CultureInfo.InvariantCulture)], Count: Convert.ToInt32(r[2], CultureInfo.InvariantCulture)))
            .OrderBy(r => r.Type).ThenBy(r => r.State).Select(r => $"{r.Type}/{r.State}={r.Count}"));

        var expiring = await RowsAsync(connection, $"""
            SELECT CASE WHEN c."NotAfterUtc" < @e30 THEN 30 WHEN c."NotAfterUtc" < @e60 THEN 60 ELSE 90 END AS d, COUNT(*)
            FROM "Certificates" AS c {scope} WHERE c."Status" = 'Issued' AND c."NotAfterUtc" > @now AND c."NotAfterUtc" < @e90 GROUP BY d
            """, organisation, bounds, ("e30", EndOfDay(30)), ("e60", EndOfDay(60)), ("e90", EndOfDay(90)));
        int Upto(int days) => expiring.Where(r => Convert.ToInt32(r[0], CultureInfo.InvariantCulture) <= days).Sum(r => Convert.ToInt32(r[1], CultureInfo.InvariantCulture));
        figures.Add($"expiring={Upto(30)}/{Upto(60)}/{Upto(90)}");

        var issued = await RowsAsync(connection, $"""
            SELECT {Bucket("c.\"NotBeforeUtc\"")} AS m, COUNT(*) FROM "Certificates" AS c {scope}
            WHERE c."NotBeforeUtc" >= @b0 AND c."NotBeforeUtc" < @b{months.Length} GROUP BY m
            """, organisation, bounds);
        var revoked = await RowsAsync(connection, $"""
            SELECT {Bucket("c.\"RevokedAtUtc\"")} AS m, COUNT(*) FROM "Certificates" AS c {scope}
            WHERE c."Status" = 'Revoked' AND c."RevokedAtUtc" >= @b0 AND c."RevokedAtUtc" < @b{months.Length} GROUP BY m
            """, organisation, bounds);
        int At(List<object[]> rows, int month) => rows.Where(r => Convert.ToInt32(r[0], CultureInfo.InvariantCulture) == month).Sum(r => Convert.ToInt32(r[1], CultureInfo.InvariantCulture));
        figures.AddRange(months.Select((m, i) => $"{m:yyyy-MM}={At(issued, i)}/{At(revoked, i)}"));

        var requestScope = organisation is null ? "" : """JOIN "Applicants" AS a ON a."Id" = r."ApplicantId" AND a."OrganisationId" = @o""";
        var requests = await RowsAsync(connection, $"""
            SELECT r."Status", COUNT(*) FROM "CertificateRequests" AS r {requestScope}
            WHERE r."CreatedAtUtc" >= @b0 AND r."CreatedAtUtc" < @b{months.Length} GROUP BY r."Status"
            """, organisation, bounds);
        figures.AddRange(requests.Select(r => (Status: Enum.Parse<RequestStatus>((string)r[0]), Count: Convert.ToInt32(r[1], CultureInfo.InvariantCulture)))
            .OrderBy(r => r.Status).Select(r => $"{r.Status}={r.Count}"));

        var bindingScope = organisation is null ? "" : """JOIN "Applicants" AS a ON a."Id" = b."ApplicantId" AND a."OrganisationId" = @o""";
        var devices = await RowsAsync(connection, $"""
            SELECT d."Id" FROM "DeviceBindings" AS b JOIN "SecureDevices" AS d ON d."Id" = b."DeviceId" {bindingScope}
            WHERE b."CancelledAtUtc" IS NULL AND d."QscdEndedAtUtc" IS NULL AND d."QscdCertifiedUntil" >= @today AND d."QscdCertifiedUntil" <= @until
            ORDER BY d."QscdCertifiedUntil"
            """, organisation, bounds, ("today", Today), ("until", Today.AddDays(EndingSoonDays)));
        figures.Add($"devices={string.Join(',', devices.Select(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture)))}");
        return figures;
    }

    private static async Task<List<object[]>> RowsAsync(DbConnection connection, string sql, long? organisation, DateTime[] bounds, params (string Name, object Value)[] more)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var parameters = new List<(string, object)> { ("now", Now) };
        parameters.AddRange(bounds.Select((b, i) => ($"b{i}", (object)b)).Where(p => sql.Contains("@" + p.Item1, StringComparison.Ordinal)));
        if (organisation is { } id)
        {
            parameters.Add(("o", id));
        }

        parameters.AddRange(more);
        foreach (var (name, value) in parameters.Where(p => sql.Contains("@" + p.Item1, StringComparison.Ordinal)))
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value is DateOnly day && connection is SqliteConnection ? day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : value;
            command.Parameters.Add(parameter);
        }

        var rows = new List<object[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Bulk insert: COPY on PostgreSQL, one prepared statement per table in a transaction on SQLite.</summary>
    private static async Task FillAsync(DbConnection connection, List<long> organisationIds)
    {
        var random = new Random(13);
        var start = Now.AddYears(-3);
        await BulkAsync(connection, "Applicants",
            ["OrganisationId", "FirstName", "LastName", "Email", "DateOfBirth", "IsBlocked", "MultiYearAllowed", "SearchName", "SearchNameReversed", "CreatedAtUtc", "UpdatedAtUtc", "Revision"],
            Enumerable.Range(0, Applicants).Select(i => new object?[]
            {
                organisationIds[i / ApplicantsPerOrganisation], "Jana", $"Bench{i}", $"b{i}@bench.example", new DateOnly(1980, 1, 1), false, false,
                $"bench{i} jana", $"jana bench{i}", Now, Now, 0,
            }));
        long firstApplicant;
        await using (var first = connection.CreateCommand())
        {
            first.CommandText = """SELECT MIN("Id") FROM "Applicants" """;
            firstApplicant = Convert.ToInt64(await first.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        await BulkAsync(connection, "Certificates",
            ["SerialNumber", "Issuer", "Subject", "Type", "NotBeforeUtc", "NotAfterUtc", "Status", "RevokedAtUtc", "ApplicantId", "Der"],
            Enumerable.Range(0, Applicants * CertificatesPerApplicant).Select(i =>
            {
                var notBefore = start.AddMinutes(random.Next(3 * 365 * 24 * 60));
                var notAfter = notBefore.AddDays(365 * (1 + random.Next(3)));
                var revoked = random.Next(10) == 0 ? notBefore.AddMinutes(random.Next((int)(Min(notAfter, Now) - notBefore).TotalMinutes)) : (DateTime?)null;
                return new object?[]
                {
                    i.ToString("X16", CultureInfo.InvariantCulture), "CN=Bench CA", $"CN=Bench {i}", Types[random.Next(Types.Length)].ToString(), notBefore, notAfter,
                    revoked is null ? "Issued" : "Revoked", revoked, firstApplicant + i / CertificatesPerApplicant, new byte[] { 0x30, 0x00 },
                };
            }));
        await BulkAsync(connection, "CertificateRequests",
            ["RequestNumber", "Type", "Kind", "Status", "ApplicantId", "SubjectName", "Email", "ValidityMonths", "CreatedAtUtc", "CreatedBy"],
            Enumerable.Range(0, Applicants).Select(i => new object?[]
            {
                $"BP{i:D10}", "Qualified", "Initial", Enum.GetValues<RequestStatus>()[random.Next(6)].ToString(), firstApplicant + i, $"Jana Bench{i}", $"b{i}@bench.example", 12,
                Now.AddMinutes(-random.Next(2 * 365 * 24 * 60)), "bench",
            }));
        await BulkAsync(connection, "SecureDevices",
            ["ModelId", "SerialNumber", "QscdCertifiedUntil", "Status", "RegisteredAtUtc"],
            Enumerable.Range(0, Devices).Select(i => new object?[] { "etoken-5110-cc", $"BENCH{i:D8}", Today.AddDays(random.Next(-30, 400)), "Active", Now }));
        long firstDevice;
        await using (var first = connection.CreateCommand())
        {
            first.CommandText = """SELECT MIN("Id") FROM "SecureDevices" """;
            firstDevice = Convert.ToInt64(await first.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        }

        // Spread over the organisations: applicant i * 10 is in organisation i * 10 / 2,000.
        await BulkAsync(connection, "DeviceBindings", ["DeviceId", "ApplicantId", "CreatedAtUtc", "CreatedBy"],
            Enumerable.Range(0, Devices).Select(i => new object?[] { firstDevice + i, firstApplicant + i * (Applicants / Devices), Now, "bench" }));

        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE";
        await analyze.ExecuteNonQueryAsync();
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static async Task BulkAsync(DbConnection connection, string table, string[] columns, IEnumerable<object?[]> rows)
    {
        var columnList = string.Join(", ", columns.Select(c => $"\"{c}\""));
        if (connection is NpgsqlConnection postgres)
        {
            await using var writer = await postgres.BeginBinaryImportAsync($"COPY \"{table}\" ({columnList}) FROM STDIN (FORMAT BINARY)");
            foreach (var row in rows)
            {
                await writer.StartRowAsync();
                foreach (var value in row)
                {
                    await (value switch
                    {
                        null => writer.WriteNullAsync(),
                        DateTime instant => writer.WriteAsync(instant, NpgsqlDbType.TimestampTz),
                        DateOnly day => writer.WriteAsync(day, NpgsqlDbType.Date),
                        long number => writer.WriteAsync(number, NpgsqlDbType.Bigint),
                        int number => writer.WriteAsync(number, NpgsqlDbType.Integer),
                        bool flag => writer.WriteAsync(flag, NpgsqlDbType.Boolean),
                        byte[] bytes => writer.WriteAsync(bytes, NpgsqlDbType.Bytea),
                        _ => writer.WriteAsync((string)value, NpgsqlDbType.Text),
                    });
                }
            }

            await writer.CompleteAsync();
            return;
        }

        var sqlite = (SqliteConnection)connection;
        await using var transaction = await sqlite.BeginTransactionAsync();
        await using var insert = sqlite.CreateCommand();
        insert.CommandText = $"INSERT INTO \"{table}\" ({columnList}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
        var parameters = columns.Select((_, i) => insert.Parameters.Add($"$p{i}", SqliteType.Text)).ToArray();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                // As EF Core's SQLite provider stores them.
                parameters[i].Value = row[i] switch
                {
                    null => DBNull.Value,
                    DateTime instant => instant.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
                    DateOnly day => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    bool flag => flag ? 1 : 0,
                    var value => value,
                };
                parameters[i].SqliteType = row[i] switch
                {
                    long or int or bool => SqliteType.Integer,
                    byte[] => SqliteType.Blob,
                    _ => SqliteType.Text,
                };
            }

            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    private sealed record Stats(double P50, double P95, int Count)
    {
        public static Stats Of(IReadOnlyCollection<double> samples)
        {
            var sorted = samples.Order().ToArray();
            return new Stats(At(sorted, 0.50), At(sorted, 0.95), sorted.Length);
        }

        private static double At(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

        public override string ToString() => FormattableString.Invariant($"p50 {P50:0.00} ms, p95 {P95:0.00} ms (n={Count})");
    }
}

using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Tests.Data;
using Xunit.Abstractions;

namespace Qtsp.Portal.Tests.Benchmarks;

/// <summary>
/// Applicant search by name prefix over 100,000 applicants of one organisation (the representative's view): the service
/// (authorisation filter, EF query, a context per search as in the portal) against the bare indexed SQL that returns the
/// same page and count on one open connection, measured in the same run. Run with eng/bench.sh.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class ApplicantSearchBenchmark(ITestOutputHelper output)
{
    private const int Applicants = 100_000;
    private const int WarmUp = 30;
    private const int Searches = 400;
    private const int PageSize = 20;

    private static readonly string[] LastNames =
    [
        "Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec", "Marek", "Pospíšil", "Pokorný",
        "Hájek", "Král", "Jelínek", "Růžička", "Beneš", "Fiala", "Sedláček", "Doležal", "Zeman", "Kolář", "Navrátil", "Čermák", "Vaněk",
        "Urban", "Blažek", "Kříž", "Kovář", "Bartoš", "Vlček", "Polák", "Musil", "Kopecký", "Šimek", "Konečný", "Malý", "Holub", "Štěpánek",
    ];

    private static readonly string[] SqliteParameters = ["$o", "$f", "$l", "$m", "$n", "$s", "$r", "$t"];

    private static readonly string[] FirstNames =
        ["Jan", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra", "Alena"];

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public async Task Name_prefix_search_over_100000_applicants_against_bare_indexed_sql(DatabaseProvider provider)
    {
        using var database = TestDatabases.Create(provider, "bench");
        long organisationId;
        await database.MigrateAsync();
        await using (var db = database.NewContext())
        {
            var organisation = new Organisation { Name = "Bench a.s.", CompanyId = "12345679", ContractNumber = "BENCH-1", CreatedAtUtc = DateTime.UtcNow };
            db.Organisations.Add(organisation);
            await db.SaveChangesAsync();
            organisationId = organisation.Id;
        }

        var fill = Stopwatch.StartNew();
        await using (var connection = await database.OpenAsync())
        {
            await FillAsync(connection, provider, organisationId);
        }

        output.WriteLine($"{provider}: {Applicants:N0} applicants inserted in {fill.Elapsed.TotalSeconds:0.0} s");
        var actor = new Actor("bench", "bench", "Bench", new HashSet<string> { PortalRoles.CompanyRepresentative }, organisationId, "Bench a.s.", "BENCH-1", null);
        var random = new Random(42);
        var prefixes = Enumerable.Range(0, WarmUp + Searches)
            .Select(_ => LastNames[random.Next(LastNames.Length)])
            .Select(name => SearchText.Normalize(name)[..(2 + random.Next(3))])
            .ToArray();

        await using var bare = await database.OpenAsync();
        foreach (var prefix in prefixes.Distinct())
        {
            // Same result first: the numbers compare like with like.
            var viaService = await ServiceSearchAsync(database, actor, prefix);
            var viaSql = await BareSearchAsync(bare, provider, organisationId, prefix);
            viaService.Total.ShouldBe(viaSql.Total, prefix);
            viaService.Items.Select(i => i.Id).ShouldBe(viaSql.Ids, prefix);
        }

        var serviceTimes = new List<double>();
        var sqlTimes = new List<double>();
        for (var i = 0; i < prefixes.Length; i++)
        {
            // Interleaved, so that both see the same machine state.
            var start = Stopwatch.GetTimestamp();
            await ServiceSearchAsync(database, actor, prefixes[i]);
            var service = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            await BareSearchAsync(bare, provider, organisationId, prefixes[i]);
            var sql = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= WarmUp)
            {
                serviceTimes.Add(service);
                sqlTimes.Add(sql);
            }
        }

        var serviceStats = Stats.Of(serviceTimes);
        var sqlStats = Stats.Of(sqlTimes);
        output.WriteLine($"{provider}: service search (EF, authorisation, context per search): {serviceStats}");
        output.WriteLine($"{provider}: bare indexed SQL, same page and count:                {sqlStats}");
        output.WriteLine(FormattableString.Invariant($"{provider}: ratio p50 {serviceStats.P50 / sqlStats.P50:0.00}x, p95 {serviceStats.P95 / sqlStats.P95:0.00}x"));
        output.WriteLine($"{provider}: plan of the page query:\n{await PlanAsync(bare, provider, organisationId, "nov")}");
        serviceTimes.Count.ShouldBe(Searches);
    }

    private static async Task<ApplicantSearchResult> ServiceSearchAsync(ITestDatabase database, Actor actor, string prefix)
    {
        await using var db = database.NewContext();
        return await ApplicantService.SearchAsync(db, actor, new ApplicantQuery(prefix, Take: PageSize));
    }

    /// <summary>The hand-written SQL of the same result: per provider, the form its planner runs on the two name indexes.</summary>
    private static string Sql(DatabaseProvider provider, string what) => (provider, what) switch
    {
        (DatabaseProvider.Sqlite, "count") => """
            SELECT COUNT(*) FROM "Applicants" AS a
            WHERE a."OrganisationId" = @o AND ((a."SearchName" >= @p AND a."SearchName" < @e) OR (a."SearchNameReversed" >= @p AND a."SearchNameReversed" < @e))
            """,
        (DatabaseProvider.Sqlite, _) => """
            SELECT a."Id", a."FirstName", a."LastName", a."Email", a."EmployeeNumber", a."IsBlocked", o."Name"
            FROM "Applicants" AS a LEFT JOIN "Organisations" AS o ON o."Id" = a."OrganisationId"
            WHERE a."OrganisationId" = @o AND ((a."SearchName" >= @p AND a."SearchName" < @e) OR (a."SearchNameReversed" >= @p AND a."SearchNameReversed" < @e))
            ORDER BY a."SearchName", a."Id" LIMIT 20
            """,
        (_, "count") => """
            SELECT COUNT(*) FROM (
                SELECT "Id" FROM "Applicants" WHERE "OrganisationId" = @o AND "SearchName" >= @p AND "SearchName" < @e
                UNION
                SELECT "Id" FROM "Applicants" WHERE "OrganisationId" = @o AND "SearchNameReversed" >= @p AND "SearchNameReversed" < @e) AS m
            """,
        _ => """
            SELECT a."Id", a."FirstName", a."LastName", a."Email", a."EmployeeNumber", a."IsBlocked", o."Name"
            FROM (
                SELECT "Id", "FirstName", "LastName", "Email", "EmployeeNumber", "IsBlocked", "OrganisationId", "SearchName" FROM "Applicants"
                WHERE "OrganisationId" = @o AND "SearchName" >= @p AND "SearchName" < @e
                UNION
                SELECT "Id", "FirstName", "LastName", "Email", "EmployeeNumber", "IsBlocked", "OrganisationId", "SearchName" FROM "Applicants"
                WHERE "OrganisationId" = @o AND "SearchNameReversed" >= @p AND "SearchNameReversed" < @e) AS a
            LEFT JOIN "Organisations" AS o ON o."Id" = a."OrganisationId"
            ORDER BY a."SearchName", a."Id" LIMIT 20
            """,
    };

    private static async Task<(int Total, long[] Ids)> BareSearchAsync(DbConnection connection, DatabaseProvider provider, long organisationId, string prefix)
    {
        await using var count = Command(connection, Sql(provider, "count"), organisationId, prefix);
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
        await using var page = Command(connection, Sql(provider, "page"), organisationId, prefix);
        var ids = new List<long>();
        await using (var reader = await page.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                ids.Add(reader.GetInt64(0));
                _ = (reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5));
            }
        }

        // The devices column of the page, as the service fetches it.
        await using var devices = connection.CreateCommand();
        devices.CommandText = $"""
            SELECT b."ApplicantId", d."SerialNumber" FROM "DeviceBindings" AS b JOIN "SecureDevices" AS d ON d."Id" = b."DeviceId"
            WHERE b."CancelledAtUtc" IS NULL AND b."ApplicantId" IN ({(ids.Count == 0 ? "0" : string.Join(',', ids))})
            """;
        await using (var reader = await devices.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
            }
        }

        return (total, [.. ids]);
    }

    private static DbCommand Command(DbConnection connection, string sql, long organisationId, string prefix)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        Add(command, "o", organisationId);
        Add(command, "p", prefix);
        Add(command, "e", SearchText.PrefixEnd(prefix));
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static async Task<string> PlanAsync(DbConnection connection, DatabaseProvider provider, long organisationId, string prefix)
    {
        await using var command = Command(connection, (provider == DatabaseProvider.Sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + Sql(provider, "page"), organisationId, prefix);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add("    " + reader.GetValue(reader.FieldCount - 1));
        }

        return string.Join('\n', lines);
    }

    /// <summary>Bulk insert (COPY on PostgreSQL, one prepared statement in a transaction on SQLite): names spread like a real register.</summary>
    private static async Task FillAsync(DbConnection connection, DatabaseProvider provider, long organisationId)
    {
        var random = new Random(7);
        var now = DateTime.UtcNow;
        IEnumerable<(string First, string Last, string Employee)> People() => Enumerable.Range(0, Applicants).Select(i =>
        {
            var last = LastNames[random.Next(LastNames.Length)] + (i % 3 == 0 ? "" : $"-{(char)('A' + random.Next(26))}{random.Next(1000)}");
            return (FirstNames[random.Next(FirstNames.Length)], last, $"B{i:D6}");
        });

        if (connection is NpgsqlConnection postgres)
        {
            await using (var writer = await postgres.BeginBinaryImportAsync("""
                COPY "Applicants" ("OrganisationId", "FirstName", "LastName", "Email", "EmployeeNumber", "DateOfBirth", "IsBlocked", "MultiYearAllowed",
                    "SearchName", "SearchNameReversed", "CreatedAtUtc", "UpdatedAtUtc", "Revision") FROM STDIN (FORMAT BINARY)
                """))
            {
                foreach (var (first, last, employee) in People())
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(organisationId);
                    await writer.WriteAsync(first);
                    await writer.WriteAsync(last);
                    await writer.WriteAsync($"{employee}@bench.example");
                    await writer.WriteAsync(employee);
                    await writer.WriteAsync(new DateOnly(1980, 1, 1));
                    await writer.WriteAsync(false);
                    await writer.WriteAsync(false);
                    await writer.WriteAsync(SearchText.Normalize($"{last} {first}"));
                    await writer.WriteAsync(SearchText.Normalize($"{first} {last}"));
                    await writer.WriteAsync(now, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync(now, NpgsqlTypes.NpgsqlDbType.TimestampTz);
                    await writer.WriteAsync(0);
                }

                await writer.CompleteAsync();
            }

            await using var analyze = postgres.CreateCommand();
            analyze.CommandText = "ANALYZE \"Applicants\"";
            await analyze.ExecuteNonQueryAsync();
            return;
        }

        var sqlite = (SqliteConnection)connection;
        await using var transaction = await sqlite.BeginTransactionAsync();
        await using var insert = sqlite.CreateCommand();
        insert.CommandText = """
            INSERT INTO "Applicants" ("OrganisationId", "FirstName", "LastName", "Email", "EmployeeNumber", "DateOfBirth", "IsBlocked", "MultiYearAllowed",
                "SearchName", "SearchNameReversed", "CreatedAtUtc", "UpdatedAtUtc", "Revision")
            VALUES ($o, $f, $l, $m, $n, '1980-01-01', 0, 0, $s, $r, $t, $t, 0)
            """;
        var parameters = SqliteParameters.ToDictionary(n => n, n => insert.Parameters.Add(n, SqliteType.Text));
        parameters["$o"].SqliteType = SqliteType.Integer;
        foreach (var (first, last, employee) in People())
        {
            parameters["$o"].Value = organisationId;
            parameters["$f"].Value = first;
            parameters["$l"].Value = last;
            parameters["$m"].Value = $"{employee}@bench.example";
            parameters["$n"].Value = employee;
            parameters["$s"].Value = SearchText.Normalize($"{last} {first}");
            parameters["$r"].Value = SearchText.Normalize($"{first} {last}");
            parameters["$t"].Value = now.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            await insert.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        await using var analyzeSqlite = sqlite.CreateCommand();
        analyzeSqlite.CommandText = "ANALYZE";
        await analyzeSqlite.ExecuteNonQueryAsync();
    }

    private sealed record Stats(double P50, double P95, int Count)
    {
        public static Stats Of(IReadOnlyCollection<double> samples)
        {
            var sorted = samples.Order().ToArray();
            return new Stats(At(sorted, 0.50), At(sorted, 0.95), sorted.Length);
        }

        private static double At(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

        public override string ToString() => FormattableString.Invariant($"p50 {P50:0.000} ms, p95 {P95:0.000} ms (n={Count})");
    }
}

using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Tests.Data;

/// <summary>The support search's name column: filled on every write, and for the accounts there were before, by the migration.</summary>
public sealed class UserSearchNameMigrationTests
{
    public static TheoryData<DatabaseProvider> Providers() => TestDatabases.Providers();

    private static readonly string[] Names =
    [
        "Jana Nováková", "DVOŘÁKOVÁ Eliška", "Jiří Šťastný-Čermák", "Zoë O’Brien", "Łukasz Żółć", "Günter Groß", "  Ódön   Ürményi ", "Petr.K",
    ];

    [Fact]
    public void Setting_the_display_name_sets_the_search_name()
    {
        var user = new PortalUser { DisplayName = "Dvořáková Eliška" };

        user.SearchName.ShouldBe("dvorakova eliska");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_migration_fills_the_search_name_of_existing_accounts_as_the_application_would(DatabaseProvider provider)
    {
        using var database = TestDatabases.Create(provider, "user-search-name");
        await using (var db = database.NewMigrationContext())
        {
            await db.GetService<IMigrator>().MigrateAsync("Baseline");
        }

        await using (var connection = await database.OpenAsync())
        {
            for (var i = 0; i < Names.Length; i++)
            {
                await ExecuteAsync(connection,
                    "INSERT INTO \"AspNetUsers\" (\"Id\", \"DisplayName\", \"CreatedAtUtc\", \"EmailConfirmed\", \"PhoneNumberConfirmed\", \"TwoFactorEnabled\", \"LockoutEnabled\", \"AccessFailedCount\") "
                    + "VALUES (@id, @name, @created, FALSE, FALSE, FALSE, FALSE, 0)",
                    ("id", $"u{i}"), ("name", Names[i]), ("created", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
            }
        }

        await database.MigrateAsync();

        await using var check = database.NewContext();
        var users = await check.Users.AsNoTracking().Select(u => new { u.Id, Stored = EF.Property<string>(u, nameof(PortalUser.SearchName)), u.DisplayName }).ToListAsync();
        users.Count.ShouldBe(Names.Length);
        foreach (var user in users)
        {
            user.Stored.ShouldBe(SearchText.Normalize(user.DisplayName), user.DisplayName);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }
}

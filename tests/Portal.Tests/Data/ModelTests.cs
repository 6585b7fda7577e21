using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Data.Migrations;
using Qtsp.Portal.Tests.Hosting;

namespace Qtsp.Portal.Tests.Data;

public sealed class ModelTests
{
    /// <summary>
    /// The schema tests build the context without the application's services; the running portal builds it with them
    /// (Identity's store options could change the model). Both must be one model, or the tests prove the wrong thing.
    /// </summary>
    [Fact]
    public void Revocation_reasons_carry_their_RFC_5280_codes()
    {
        int[] codes = [.. Enum.GetValues<RevocationReason>().Select(r => (int)r)];
        codes.ShouldBe([0, 1, 3, 4, 5, 9]);
        ((int)RevocationReason.AffiliationChanged).ShouldBe(3);
        ((int)RevocationReason.Superseded).ShouldBe(4);
        ((int)RevocationReason.CessationOfOperation).ShouldBe(5);
        ((int)RevocationReason.PrivilegeWithdrawn).ShouldBe(9);
    }

    [Fact]
    public async Task The_running_portals_model_is_the_model_the_schema_tests_check()
    {
        await using var server = await PortalServer.StartAsync();
        await using var scope = server.App.Services.CreateAsyncScope();
        var running = scope.ServiceProvider.GetRequiredService<PortalDbContext>().Model;
        using var database = SqliteDatabase.Create("model");
        await using var standalone = database.NewContext();

        Describe(running).ShouldBe(Describe(standalone.Model));
        running.GetEntityTypes().Select(e => e.GetTableName()).ShouldNotContain("AspNetUserPasskeys", "Identity's schema version 1, as migrated");
    }

    /// <summary>The migrations are generated from the per-provider subclasses: they must not change the model.</summary>
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.PostgreSql)]
    public void The_context_that_owns_a_providers_migrations_has_the_portals_model(DatabaseProvider provider)
    {
        var connection = new DatabaseConnection(provider, provider == DatabaseProvider.Sqlite ? "Data Source=unused.db" : "Host=unused");
        using var migrations = SchemaMigrations.NewContext(connection);
        var options = new DbContextOptionsBuilder<PortalDbContext>();
        DatabaseSetup.Configure(options, provider, connection.ConnectionString);
        using var portal = new PortalDbContext(options.Options);

        migrations.GetType().ShouldNotBe(typeof(PortalDbContext));
        Describe(migrations.Model).ShouldBe(Describe(portal.Model));
    }

    private static string[] Describe(Microsoft.EntityFrameworkCore.Metadata.IModel model) =>
        model.GetEntityTypes()
            .SelectMany(e => e.GetProperties().Select(p => $"{e.GetTableName()}.{p.GetColumnName()} {p.ClrType.Name} {p.IsNullable} {p.GetMaxLength()}"))
            .Order(StringComparer.Ordinal)
            .ToArray();
}

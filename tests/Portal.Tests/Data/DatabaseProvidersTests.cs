using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Qtsp.Portal.Data;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Data;

public sealed class DatabaseProvidersTests
{
    [Theory]
    [InlineData(null, DatabaseProvider.Sqlite)]
    [InlineData("", DatabaseProvider.Sqlite)]
    [InlineData("  ", DatabaseProvider.Sqlite)]
    [InlineData("Sqlite", DatabaseProvider.Sqlite)]
    [InlineData("SQLite", DatabaseProvider.Sqlite)]
    [InlineData(" sqlite ", DatabaseProvider.Sqlite)]
    [InlineData("PostgreSql", DatabaseProvider.PostgreSql)]
    [InlineData("postgresql", DatabaseProvider.PostgreSql)]
    [InlineData("Postgres", DatabaseProvider.PostgreSql)]
    [InlineData("Npgsql", DatabaseProvider.PostgreSql)]
    public void Parses_the_configured_provider(string? value, DatabaseProvider expected)
    {
        DatabaseProviders.Parse(value).ShouldBe(expected);
    }

    [Theory]
    [InlineData("SqlServer")]
    [InlineData("MySql")]
    [InlineData("Sqlite3")]
    public void Refuses_an_unknown_provider_naming_the_known_ones(string value)
    {
        var error = Should.Throw<InvalidOperationException>(() => DatabaseProviders.Parse(value));

        error.Message.ShouldContain(value);
        error.Message.ShouldContain("Sqlite");
        error.Message.ShouldContain("PostgreSql");
    }

    private static ServiceProvider AddPortalData(string contentRoot, Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var environment = new TestEnvironment(contentRoot);
        return new ServiceCollection().AddPortalData(configuration, environment).BuildServiceProvider();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void PostgreSql_without_a_connection_string_is_a_configuration_error(string? connectionString)
    {
        var root = RepositoryPaths.NewTemporaryDirectory("provider-pg");
        try
        {
            var error = Should.Throw<InvalidOperationException>(() => AddPortalData(root, new()
            {
                ["Database:Provider"] = "PostgreSql",
                ["ConnectionStrings:Portal"] = connectionString,
            }));

            error.Message.ShouldContain("PostgreSql");
            error.Message.ShouldContain("ConnectionStrings:Portal");
            Directory.EnumerateFileSystemEntries(root).ShouldBeEmpty("no SQLite fallback is created");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task PostgreSql_with_a_connection_string_uses_npgsql()
    {
        var root = RepositoryPaths.NewTemporaryDirectory("provider-pg");
        try
        {
            await using var services = AddPortalData(root, new()
            {
                ["Database:Provider"] = "PostgreSql",
                ["ConnectionStrings:Portal"] = "Host=db.example;Database=portal;Username=portal",
            });
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

            db.Database.ProviderName.ShouldBe("Npgsql.EntityFrameworkCore.PostgreSQL");
            db.Database.GetConnectionString().ShouldBe("Host=db.example;Database=portal;Username=portal");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Sqlite_by_default_in_the_data_directory_under_the_content_root()
    {
        var root = RepositoryPaths.NewTemporaryDirectory("provider-sqlite");
        try
        {
            await using var services = AddPortalData(root, new() { ["Portal:DataDirectory"] = "state/db" });
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();

            db.Database.ProviderName.ShouldBe("Microsoft.EntityFrameworkCore.Sqlite");
            var dataSource = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            dataSource.ShouldBe(Path.Combine(root, "state", "db", "portal.db"));
            Directory.Exists(Path.Combine(root, "state", "db")).ShouldBeTrue();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed class TestEnvironment(string contentRoot) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Production;

        public string ApplicationName { get; set; } = "Portal";

        public string ContentRootPath { get; set; } = contentRoot;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

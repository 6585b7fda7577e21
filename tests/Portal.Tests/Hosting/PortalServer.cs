using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure.Observability;
using Qtsp.Portal.Tests.Data;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Hosting;

/// <summary>
/// The real portal, composed by <see cref="PortalHost"/> and prepared exactly as Program.cs does, on Kestrel at a free
/// loopback port, with a data folder of its own (removed on dispose). Content root and application name are those of
/// the portal run from its project folder (eng/run.sh), so static web assets resolve as they do there.
/// </summary>
public sealed class PortalServer : IAsyncDisposable
{
    private PortalServer(WebApplication app, string dataDirectory, Uri address)
    {
        App = app;
        DataDirectory = dataDirectory;
        Address = address;
        Client = NewClient();
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "portal.db");

    public Uri Address { get; }

    /// <summary>The metrics port's address, when the test gave it one (<c>--Observability:MetricsPort</c>).</summary>
    public Uri? MetricsAddress { get; private init; }

    /// <summary>No cookies kept and no redirects followed: tests see each response as the browser would receive it.</summary>
    public HttpClient Client { get; }

    public static Task<PortalServer> StartAsync(params string[] extraArguments) => StartAsync(null, extraArguments);

    /// <summary>The portal on <paramref name="provider"/>: PostgreSQL gets a database of its own on the tests' server, dropped on dispose.</summary>
    public static async Task<PortalServer> StartAsync(DatabaseProvider provider, Action<IServiceCollection>? configureServices, params string[] extraArguments)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            return await StartAsync(configureServices, extraArguments);
        }

        var database = await TestPostgres.CreateDatabaseAsync("portal");
        try
        {
            var server = await StartAsync(configureServices,
                ["--Database:Provider", "PostgreSql", "--ConnectionStrings:Portal", TestPostgres.ConnectionString(database), .. extraArguments]);
            server._postgresDatabase = database;
            return server;
        }
        catch
        {
            await TestPostgres.DropDatabaseAsync(database);
            throw;
        }
    }

    private string? _postgresDatabase;

    public DatabaseProvider Provider => _postgresDatabase is null ? DatabaseProvider.Sqlite : DatabaseProvider.PostgreSql;

    /// <summary>The arguments that give a second portal this one's PostgreSQL database (a second instance of a cluster).</summary>
    public string[] SameDatabaseArguments() => _postgresDatabase is null
        ? throw new InvalidOperationException("Only a PostgreSQL portal shares its database.")
        : ["--Database:Provider", "PostgreSql", "--ConnectionStrings:Portal", TestPostgres.ConnectionString(_postgresDatabase)];

    /// <param name="configureServices">Replaces services after the portal's own (a <see cref="Support.TestClock"/>, a log capture).</param>
    public static async Task<PortalServer> StartAsync(Action<IServiceCollection>? configureServices, params string[] extraArguments)
    {
        // SoftHSM reads its configuration once per process: every portal here uses the tests' store, never a default one.
        await Ca.CaSoftHsm.GetAsync();
        var dataDirectory = RepositoryPaths.NewTemporaryDirectory("portal-host");
        WebApplication? app = null;
        try
        {
            app = PortalHost.Build(
            [
                "--applicationName", "Portal",
                "--contentRoot", Path.Combine(RepositoryPaths.Root, "portal"),
                "--environment", "Production",
                "--urls", "http://127.0.0.1:0",
                "--Portal:DataDirectory", dataDirectory,
                "--Logging:LogLevel:Default", "Warning",
                "--Ca:Pkcs11:TokenLabel", Ca.CaSoftHsm.PortalHostToken,
                "--Ca:Pkcs11:Pin", Ca.CaSoftHsm.Pin,
                // Many portals run at once here: none serves metrics unless a test gives it a free port.
                "--Observability:MetricsPort", "0",
                .. extraArguments,
            ], configureServices);
            await PrepareAsync(app);
            await app.StartAsync();
            var metricsPort = app.Services.GetRequiredService<IOptions<ObservabilityOptions>>().Value.MetricsPort;
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Select(a => new Uri(a)).ToList();
            return new PortalServer(app, dataDirectory, addresses.Single(a => a.Port != metricsPort))
            {
                MetricsAddress = metricsPort > 0 ? addresses.Single(a => a.Port == metricsPort) : null,
            };
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            DeleteDirectory(dataDirectory);
            throw;
        }
    }

    private static readonly SemaphoreSlim FirstPreparation = new(1, 1);
    private static bool _caKeysExist;

    /// <summary>
    /// The first portal creates the CA keys on the shared token; until it has, others wait (two creating at once in
    /// different data folders would each generate keys under the same CKA_ID).
    /// </summary>
    private static async Task PrepareAsync(WebApplication app)
    {
        if (Volatile.Read(ref _caKeysExist))
        {
            await PortalHost.PrepareAsync(app);
            return;
        }

        await FirstPreparation.WaitAsync();
        try
        {
            await PortalHost.PrepareAsync(app);
            Volatile.Write(ref _caKeysExist, true);
        }
        finally
        {
            FirstPreparation.Release();
        }
    }

    public HttpClient NewClient() => new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
    {
        BaseAddress = Address,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        DeleteDirectory(DataDirectory);
        if (_postgresDatabase is not null)
        {
            await TestPostgres.DropDatabaseAsync(_postgresDatabase);
        }
    }

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}

/// <summary>One portal for all read-only host tests in a class, with a holder signed in through the sign-in page.</summary>
public sealed class PortalServerFixture : IAsyncLifetime
{
    private PortalServer? _server;
    private string? _holderCookie;

    public PortalServer Server => _server ?? throw new InvalidOperationException("The portal has not started.");

    /// <summary>A Cookie header of the signed-in holder, with <paramref name="more"/> (e.g. the culture cookie) appended.</summary>
    public string SignedIn(string? more = null) => more is null ? _holderCookie! : $"{_holderCookie}; {more}";

    public async Task InitializeAsync()
    {
        _server = await PortalServer.StartAsync();
        var data = new Support.TestData(_server.App.Services);
        var applicant = await data.ApplicantAsync(null, "Jan");
        var holder = await data.AccountAsync(Features.Account.PortalRoles.Holder, applicant: applicant);
        using var session = new PortalSession(_server.Address);
        await session.SignInAsync(holder.UserName, holder.Password);
        var cookie = session.Cookies.GetCookies(_server.Address).Single(c => c.Name == Features.Account.AccountSetup.CookieName);
        _holderCookie = $"{cookie.Name}={cookie.Value}";
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

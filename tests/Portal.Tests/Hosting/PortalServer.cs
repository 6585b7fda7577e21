using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>No cookies kept and no redirects followed: tests see each response as the browser would receive it.</summary>
    public HttpClient Client { get; }

    public static async Task<PortalServer> StartAsync(params string[] extraArguments)
    {
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
                .. extraArguments,
            ]);
            await PortalHost.PrepareAsync(app);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new PortalServer(app, dataDirectory, new Uri(address));
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
    }

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}

/// <summary>One portal for all read-only host tests in a class.</summary>
public sealed class PortalServerFixture : IAsyncLifetime
{
    private PortalServer? _server;

    public PortalServer Server => _server ?? throw new InvalidOperationException("The portal has not started.");

    public async Task InitializeAsync() => _server = await PortalServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

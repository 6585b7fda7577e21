using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Revocation;

/// <summary>
/// A test double for the CA's publication signal: records each issuer it is told about and whether the revocation was
/// already committed when it was told (it reads the registry from its own context, outside the revoking transaction).
/// </summary>
public sealed class RecordingPublisher : IRevocationPublisher
{
    private readonly List<(string Issuer, bool Committed)> _calls = [];

    public IServiceProvider? Services { get; set; }

    public IReadOnlyList<(string Issuer, bool Committed)> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public void Revoked(string issuerName)
    {
        using var scope = Services!.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var committed = db.Certificates.AsNoTracking().Any(c => c.Issuer == issuerName && c.Status == CertificateStatus.Revoked);
        lock (_calls)
        {
            _calls.Add((issuerName, committed));
        }
    }
}

/// <summary>The real portal on SQLite and on PostgreSQL, each with a <see cref="RecordingPublisher"/>.</summary>
public sealed class RevocationPortals : IAsyncLifetime
{
    private readonly Dictionary<DatabaseProvider, (PortalServer Server, RecordingPublisher Publisher)> _portals = [];

    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    public PortalServer Server(DatabaseProvider provider) => _portals[provider].Server;

    public RecordingPublisher Publisher(DatabaseProvider provider) => _portals[provider].Publisher;

    public TestData Data(DatabaseProvider provider) => new(_portals[provider].Server.App.Services);

    public async Task InitializeAsync()
    {
        foreach (var provider in new[] { DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql })
        {
            var publisher = new RecordingPublisher();
            // A proxy on loopback is believed, so tests can act from addresses of their own (each has its own sign-in limits).
            var server = await PortalServer.StartAsync(provider, services => services.AddSingleton<IRevocationPublisher>(publisher), "--Hosting:KnownProxies:0", "127.0.0.1");
            publisher.Services = server.App.Services;
            _portals[provider] = (server, publisher);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (server, _) in _portals.Values)
        {
            await server.DisposeAsync();
        }
    }
}

using Qtsp.Portal.Data;
using Qtsp.Portal.Tests.Hosting;

namespace Qtsp.Portal.Tests.Support;

/// <summary>The real portal twice for a test class: on SQLite and on PostgreSQL (the server eng/test.sh starts).</summary>
public sealed class BothProviders : IAsyncLifetime
{
    private readonly Dictionary<DatabaseProvider, PortalServer> _servers = [];

    public PortalServer this[DatabaseProvider provider] => _servers[provider];

    public TestData Data(DatabaseProvider provider) => new(_servers[provider].App.Services);

    public static TheoryData<DatabaseProvider> Providers() => [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    public async Task InitializeAsync()
    {
        _servers[DatabaseProvider.Sqlite] = await PortalServer.StartAsync(DatabaseProvider.Sqlite, null);
        _servers[DatabaseProvider.PostgreSql] = await PortalServer.StartAsync(DatabaseProvider.PostgreSql, null);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers.Values)
        {
            await server.DisposeAsync();
        }
    }
}

using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tests.Bridge;

/// <summary>A SignalR client of the agent's hub as a portal page would open it: negotiate, WebSocket, JSON protocol, the page's Origin.</summary>
internal static class AgentHubClient
{
    /// <summary>ws://…/hub of an agent listening at <paramref name="baseAddress"/>.</summary>
    public static Uri HubAddress(Uri baseAddress) => new UriBuilder(new Uri(baseAddress, AgentHubContract.Path)) { Scheme = "ws" }.Uri;

    public static HubConnection Build(Uri hubAddress, string origin) =>
        new HubConnectionBuilder()
            .WithUrl(new UriBuilder(hubAddress) { Scheme = "http" }.Uri, options =>
            {
                // A browser sends its page's Origin on negotiate and on the WebSocket upgrade; so does this client.
                options.Headers["Origin"] = origin;
                options.Transports = HttpTransportType.WebSockets;
            })
            .Build();

    public static async Task<HubConnection> ConnectAsync(Uri hubAddress, string origin)
    {
        var connection = Build(hubAddress, origin);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await connection.StartAsync(timeout.Token);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}

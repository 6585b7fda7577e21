using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tests.Bridge;

/// <summary>A SignalR client of the agent's hub as a portal page would open it: WebSocket, JSON protocol, the page's Origin.</summary>
internal static class AgentHubClient
{
    /// <summary>ws://…/hub of an agent listening at <paramref name="baseAddress"/>.</summary>
    public static Uri HubAddress(Uri baseAddress) => new UriBuilder(new Uri(baseAddress, AgentHubContract.Path)) { Scheme = "ws" }.Uri;

    public static HubConnection Build(Uri hubAddress, string origin)
    {
        var builder = new HubConnectionBuilder();
        builder.Services.AddSingleton<IConnectionFactory>(new WebSocketConnectionFactory(origin));
        builder.Services.AddSingleton<EndPoint>(new UriEndPoint(hubAddress));
        return builder.Build();
    }

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

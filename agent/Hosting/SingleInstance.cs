using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace Qtsp.Agent.Hosting;

/// <summary>What is on the agent's port when the agent could not listen there.</summary>
internal enum PortOwner
{
    /// <summary>This agent, already running for this session: the new start hands over to it.</summary>
    Agent,

    /// <summary>Some other program, or nothing that answers HTTP.</summary>
    SomethingElse,
}

/// <summary>
/// One agent per session: the loopback port is the lock. When it is taken, the agent asks what answers there — the running
/// agent's identity endpoint (GET / → {"agent":"qtsp-token-agent"}) means it is already running.
/// </summary>
internal static class SingleInstance
{
    public const string AgentIdentity = "qtsp-token-agent";

    public static async Task<PortOwner> ProbeAsync(string url)
    {
        var endpoints = LoopbackAddresses.Endpoints(url);
        if (endpoints.Count == 0)
        {
            return PortOwner.SomethingElse;
        }

        var address = endpoints[0];

        var host = address.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address.Address}]" : address.Address.ToString();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            var identity = await client.GetFromJsonAsync<Identity>($"http://{host}:{address.Port}/").ConfigureAwait(false);
            return identity?.Agent == AgentIdentity ? PortOwner.Agent : PortOwner.SomethingElse;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or NotSupportedException)
        {
            return PortOwner.SomethingElse;
        }
    }

    public static bool IsAddressInUse(Exception e) =>
        e is IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } or Microsoft.AspNetCore.Connections.AddressInUseException
        || (e is IOException && e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse });

    private sealed record Identity([property: JsonPropertyName("agent")] string? Agent);
}

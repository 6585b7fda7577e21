using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Qtsp.E2E.Benchmarks.Protocol;

/// <summary>
/// The token agent as the protocol-level users' pages see it: what the real agent (with the demo device) answered once
/// to a page of the portal's origin — its greeting and its devices — handed to every simulated page, and any other call a
/// page makes passed on to the real agent. Many simulated people share one agent here; each real person has their own.
/// </summary>
public sealed class SimulatedAgent : IAsyncDisposable
{
    private readonly HubConnection _connection;

    private SimulatedAgent(HubConnection connection, string agentInfo, string devices)
    {
        _connection = connection;
        AgentInfo = agentInfo;
        Devices = devices;
    }

    /// <summary>The agent's greeting (GetAgentInfo), as JSON.</summary>
    public string AgentInfo { get; }

    /// <summary>The devices the agent reports (GetDevices' value), as JSON.</summary>
    public string Devices { get; }

    /// <summary>Connects as a page of the portal would, once the agent listens and reports its device (it may still be starting).</summary>
    public static async Task<SimulatedAgent> ConnectAsync(string agentUrl, string portalUrl)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(agentUrl.TrimEnd('/') + "/hub", options =>
                {
                    options.Transports = HttpTransportType.WebSockets;
                    options.SkipNegotiation = true;
                    options.Headers["Origin"] = portalUrl; // the agent answers pages of the portal's origin only
                })
                .Build();
            var reply = "";
            try
            {
                await connection.StartAsync().ConfigureAwait(false);
                var info = await connection.InvokeAsync<JsonElement>("GetAgentInfo").ConfigureAwait(false);
                var devices = await connection.InvokeAsync<JsonElement>("GetDevices").ConfigureAwait(false);
                reply = devices.GetRawText();
                if (devices.TryGetProperty("value", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0)
                {
                    return new SimulatedAgent(connection, info.GetRawText(), list.GetRawText());
                }
            }
            catch (Exception e) when (e is HttpRequestException or System.Net.WebSockets.WebSocketException)
            {
                reply = e.Message;
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            if (DateTime.UtcNow > until)
            {
                throw new InvalidOperationException("The agent did not report the demo device: " + reply);
            }

            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A page's call to the agent (agent-bridge.js' invoke) and its result envelope as JSON: the real agent's answer to the
    /// first such call (same method, same arguments), the same answer to the pages that ask the same later — each person
    /// has an agent of their own, so the one agent here must not become the benchmark's bottleneck.
    /// </summary>
    public Task<string> InvokeAsync(string method, IReadOnlyList<JsonElement> args)
    {
        var key = method + JsonSerializer.Serialize(args);
        Calls.AddOrUpdate(method, 1, (_, n) => n + 1);
        return _answers.GetOrAdd(key, _ => new Lazy<Task<string>>(async () =>
        {
            var result = await _connection.InvokeCoreAsync<JsonElement>(method, [.. args.Cast<object>()]).ConfigureAwait(false);
            return result.GetRawText();
        })).Value;
    }

    /// <summary>The agent methods the pages called, and how often.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string>>> _answers = new(StringComparer.Ordinal);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

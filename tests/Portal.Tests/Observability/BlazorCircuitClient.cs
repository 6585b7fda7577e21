using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace Qtsp.Portal.Tests.Observability;

/// <summary>
/// Opens a Blazor Server circuit the way blazor.web.js starts one (before any component is attached): the portal's
/// <c>/_blazor</c> hub, the "blazorpack" protocol (SignalR's MessagePack format under Blazor's name), StartCircuit with
/// no component records. Enough for the circuit to exist on the server; it renders nothing.
/// </summary>
public sealed class BlazorCircuitClient : IAsyncDisposable
{
    private readonly HubConnection _connection;

    private BlazorCircuitClient(HubConnection connection, string circuitId)
    {
        _connection = connection;
        CircuitId = circuitId;
    }

    public string CircuitId { get; }

    public static async Task<BlazorCircuitClient> OpenAsync(Uri portal, string cookieHeader)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(portal, "_blazor"), options =>
            {
                options.Transports = HttpTransportType.WebSockets;
                options.Headers["Cookie"] = cookieHeader;
            });
        builder.Services.AddSingleton<IHubProtocol>(new BlazorPack());
        var connection = builder.Build();
        await connection.StartAsync();
        try
        {
            var circuitId = await connection.InvokeAsync<string?>("StartCircuit", portal.AbsoluteUri, portal.AbsoluteUri, "[]", "");
            // A web app's circuit counts as opened with its first batch of root components (here an empty one).
            await connection.InvokeAsync("UpdateRootComponents", """{"batchId":1,"operations":[]}""", "");
            return new BlazorCircuitClient(connection, circuitId ?? throw new InvalidOperationException("The portal did not start a circuit."));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    /// <summary>SignalR's MessagePack hub protocol under the name the Blazor hub accepts.</summary>
    private sealed class BlazorPack : IHubProtocol
    {
        private readonly MessagePackHubProtocol _inner = new();

        public string Name => "blazorpack";

        public int Version => _inner.Version;

        public TransferFormat TransferFormat => _inner.TransferFormat;

        public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMessage? message) => _inner.TryParseMessage(ref input, binder, out message);

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(message, output);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(message);
    }
}

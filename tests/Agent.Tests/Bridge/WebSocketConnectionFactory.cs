using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Qtsp.Agent.Tests.Bridge;

/// <summary>
/// Connects a SignalR <c>HubConnection</c> to a hub over a plain <see cref="ClientWebSocket"/>, skipping the
/// negotiate request (the full SignalR client, whose HTTP transport does that, does not restore here). The
/// server accepts a WebSocket to the hub URL without a connection id; the client's JSON handshake
/// (<c>{"protocol":"json","version":1}</c> + 0x1E) is then the first text message, sent by HubConnection itself.
/// </summary>
internal sealed class WebSocketConnectionFactory(string origin) : IConnectionFactory
{
    public async ValueTask<ConnectionContext> ConnectAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var uri = ((UriEndPoint)endpoint).Uri;
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", origin); // what a browser sends; the agent refuses upgrades without an allowed one
        try
        {
            await socket.ConnectAsync(uri, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new WebSocketConnection(socket);
    }

    /// <summary>Pumps the connection's pipes through the socket: every write becomes one text message.</summary>
    private sealed class WebSocketConnection : ConnectionContext
    {
        private readonly ClientWebSocket _socket;
        private readonly Pipe _toServer = new();
        private readonly Pipe _fromServer = new();
        private readonly Task _sending;
        private readonly Task _receiving;

        public WebSocketConnection(ClientWebSocket socket)
        {
            _socket = socket;
            Transport = new DuplexPipe(_fromServer.Reader, _toServer.Writer);
            _sending = SendAsync();
            _receiving = ReceiveAsync();
        }

        public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        private async Task SendAsync()
        {
            var reader = _toServer.Reader;
            try
            {
                while (true)
                {
                    var result = await reader.ReadAsync();
                    if (!result.Buffer.IsEmpty)
                    {
                        await _socket.SendAsync(result.Buffer.ToArray(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    }

                    reader.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        break;
                    }
                }

                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                }
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The server went away; the receive side reports it.
            }
            finally
            {
                await reader.CompleteAsync();
            }
        }

        private async Task ReceiveAsync()
        {
            var writer = _fromServer.Writer;
            try
            {
                while (true)
                {
                    var received = await _socket.ReceiveAsync(writer.GetMemory(4096), CancellationToken.None);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    writer.Advance(received.Count);
                    var flushed = await writer.FlushAsync();
                    if (flushed.IsCompleted)
                    {
                        break;
                    }
                }

                await writer.CompleteAsync();
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                await writer.CompleteAsync(e);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await _toServer.Writer.CompleteAsync(); // sends our close; the server answers with its own
            await Task.WhenAny(Task.WhenAll(_sending, _receiving), Task.Delay(TimeSpan.FromSeconds(5)));
            _socket.Abort(); // ends a receive still waiting for a server that never answered
            await Task.WhenAll(_sending, _receiving);
            _socket.Dispose();
            await base.DisposeAsync();
        }

        private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using Qtsp.Agent.Tests.Support;

namespace Qtsp.Agent.Tests.Bridge;

/// <summary>
/// The agent's front door through its real interface (Kestrel on loopback): which pages may negotiate, upgrade
/// to a WebSocket and pass Chrome's Private Network Access preflight, and that a foreign Host is refused
/// (DNS rebinding: a page of evil.example resolving its own name to 127.0.0.1).
/// </summary>
[Collection(InProcessSoftHsm.Name)]
public sealed class HubSecurityTests(AgentServer agent) : IClassFixture<AgentServer>, IDisposable
{
    private const string Negotiate = "/hub/negotiate?negotiateVersion=1";

    private readonly HttpClient _http = new() { BaseAddress = agent.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        _http.Dispose();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Negotiate_from_the_allowed_origin_is_answered_with_cors_headers()
    {
        using var response = await SendAsync(HttpMethod.Post, Negotiate, AgentServer.AllowedOrigin);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe([AgentServer.AllowedOrigin]);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"availableTransports\"");
    }

    [Theory]
    [InlineData(AgentServer.RefusedOrigin)]
    [InlineData("null")]
    [InlineData("http://portal.test:5181")]
    [InlineData("https://portal.test:5180")]
    [InlineData("http://portal.test")]
    [InlineData("http://portal.test:5180.evil.example")]
    [InlineData("http://127.0.0.1:5180")]
    public async Task Negotiate_from_any_other_origin_is_forbidden(string origin)
    {
        using var response = await SendAsync(HttpMethod.Post, Negotiate, origin);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
        (await response.Content.ReadAsStringAsync()).ShouldBe("origin not allowed");
    }

    [Fact]
    public async Task The_hub_refuses_requests_without_an_origin_while_the_status_page_answers_them()
    {
        using var negotiate = await SendAsync(HttpMethod.Post, Negotiate, origin: null);
        using var status = await SendAsync(HttpMethod.Get, "/", origin: null);

        negotiate.StatusCode.ShouldBe(HttpStatusCode.Forbidden, "browsers always send an Origin to the hub; anything else is not a page");
        status.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await status.Content.ReadAsStringAsync()).ShouldContain("\"agent\":\"qtsp-token-agent\"");
    }

    [Fact]
    public async Task A_websocket_upgrade_from_the_allowed_origin_connects()
    {
        using var socket = NewSocket(AgentServer.AllowedOrigin);

        await socket.ConnectAsync(agent.HubWebSocketAddress, Timeout());

        socket.State.ShouldBe(WebSocketState.Open);
        socket.HttpStatusCode.ShouldBe(HttpStatusCode.SwitchingProtocols);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", Timeout());
    }

    [Theory]
    [InlineData(AgentServer.RefusedOrigin)]
    [InlineData(null)]
    public async Task A_websocket_upgrade_from_another_or_no_origin_is_refused_with_403(string? origin)
    {
        // CORS does not cover WebSockets: without the agent's own check any page could open the hub.
        using var socket = NewSocket(origin);

        await Should.ThrowAsync<WebSocketException>(() => socket.ConnectAsync(agent.HubWebSocketAddress, Timeout()));

        socket.HttpStatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:47180")]
    [InlineData("127.0.0.1.nip.io")]
    [InlineData("portal.test:5180")]
    public async Task A_foreign_host_header_is_refused_even_from_the_allowed_origin(string host)
    {
        using var negotiate = await SendAsync(HttpMethod.Post, Negotiate, AgentServer.AllowedOrigin, host);
        using var status = await SendAsync(HttpMethod.Get, "/", origin: null, host);

        negotiate.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await negotiate.Content.ReadAsStringAsync()).ShouldBe("host not allowed");
        status.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task Loopback_host_names_are_accepted(string host)
    {
        using var response = await SendAsync(HttpMethod.Post, Negotiate, AgentServer.AllowedOrigin, $"{host}:{agent.BaseAddress.Port}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_private_network_preflight_from_the_allowed_origin_is_granted()
    {
        using var response = await PreflightAsync(AgentServer.AllowedOrigin, privateNetwork: true);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        response.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe([AgentServer.AllowedOrigin]);
        response.Headers.GetValues("Access-Control-Allow-Private-Network").ShouldBe(["true"]);
        response.Headers.GetValues("Access-Control-Allow-Methods").Single().ShouldContain("POST");
    }

    [Fact]
    public async Task A_private_network_preflight_from_another_origin_is_forbidden()
    {
        using var response = await PreflightAsync(AgentServer.RefusedOrigin, privateNetwork: true);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        response.Headers.Contains("Access-Control-Allow-Private-Network").ShouldBeFalse();
        response.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    [Fact]
    public async Task An_ordinary_preflight_gets_no_private_network_grant()
    {
        using var response = await PreflightAsync(AgentServer.AllowedOrigin, privateNetwork: false);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        response.Headers.Contains("Access-Control-Allow-Private-Network").ShouldBeFalse();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? origin, string? host = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("");
        }

        return await _http.SendAsync(request, Timeout());
    }

    private async Task<HttpResponseMessage> PreflightAsync(string origin, bool privateNetwork)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, Negotiate);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "x-requested-with,x-signalr-user-agent");
        if (privateNetwork)
        {
            request.Headers.Add("Access-Control-Request-Private-Network", "true");
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        return await _http.SendAsync(request, Timeout());
    }

    private static ClientWebSocket NewSocket(string? origin)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        return socket;
    }

    private CancellationToken Timeout() => _timeout.Token;
}

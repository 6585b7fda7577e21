using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.AgentBridge;

/// <summary>
/// The C# side of the bridge to the token agent, one per circuit. The link itself lives in the browser
/// (wwwroot/js/agent-bridge.js): the portal server never talks to the agent, it asks the page to.
/// </summary>
public sealed partial class AgentBridge(
    IJSRuntime js,
    IOptions<AgentBridgeOptions> options,
    IAgentLinkPolicy policy,
    AgentLinks links,
    ILogger<AgentBridge> logger) : IAsyncDisposable
{
    /// <summary>The module's plain (not fingerprinted) path, so that the page and tests share one module instance.</summary>
    public const string ModulePath = "./js/agent-bridge.js";

    private IJSObjectReference? _module;
    private DotNetObjectReference<AgentBridge>? _self;
    private IDisposable? _registration;
    private SynchronizationContext? _circuit;

    public AgentConnectionState State { get; private set; } = AgentConnectionState.Idle;

    public AgentInfo? Agent { get; private set; }

    public IReadOnlyList<DeviceSnapshot> Devices { get; private set; } = [];

    public string AgentUrl => options.Value.Url;

    /// <summary>Raised (on a JS interop thread) whenever state or devices change; components re-render.</summary>
    public event Action? Changed;

    /// <summary>Starts the link if it is not running. Call from OnAfterRenderAsync: it needs the page's JS runtime.</summary>
    public async Task StartAsync()
    {
        if (_module is not null)
        {
            return;
        }

        _circuit = SynchronizationContext.Current;
        var decision = await policy.DecideAsync();
        if (_module is not null || _self is not null)
        {
            return; // started meanwhile by another component of the page
        }

        if (!decision.Allowed)
        {
            State = AgentConnectionState.Disabled;
            Changed?.Invoke();
            return;
        }

        _self = DotNetObjectReference.Create(this);
        if (decision.Account is { } account)
        {
            _registration = links.Register(account, this);
        }

        _module = await js.InvokeAsync<IJSObjectReference>("import", ModulePath).ConfigureAwait(false);
        State = AgentConnectionState.Connecting;
        Changed?.Invoke();
        await _module.InvokeVoidAsync("start", options.Value.Url, AgentHubContract.ProtocolVersion, options.Value.RetryMilliseconds, _self).ConfigureAwait(false);
    }

    /// <summary>Calls a hub method through the page. Fails with AgentUnavailable when there is no link.</summary>
    public async Task<AgentResult<T>> InvokeAsync<T>(string method, params object?[] arguments)
    {
        if (_module is null || State != AgentConnectionState.Connected)
        {
            return AgentResult.Failure<T>(new AgentError(AgentErrorCode.AgentUnavailable));
        }

        return await _module.InvokeAsync<AgentResult<T>>("invoke", [method, .. arguments]).ConfigureAwait(false);
    }

    /// <summary>Runs an operation whose secrets the page's own dialog collects; only the agent's answers come back.</summary>
    public async Task<SecretOperationOutcome<T>> RunSecretOperationAsync<T>(SecretOperation operation)
    {
        if (_module is null || State != AgentConnectionState.Connected)
        {
            return new SecretOperationOutcome<T>(AgentResult.Failure<T>(new AgentError(AgentErrorCode.AgentUnavailable)), []);
        }

        return await _module.InvokeAsync<SecretOperationOutcome<T>>("runSecretOperation", TimeSpan.FromMinutes(15), operation).ConfigureAwait(false);
    }

    /// <summary>Lets the browser save bytes as a file (an exported certificate, a request).</summary>
    public async Task DownloadAsync(string fileName, byte[] content, string mediaType)
    {
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("download", fileName, Convert.ToBase64String(content), mediaType).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The page's sign-in ended or a support session began (<see cref="AgentLinks"/>): the page closes its link (the agent
    /// then ends the token logins of that connection) and shows the link as off. Runs on the page's own circuit.
    /// </summary>
    internal Task CloseForSessionEndAsync()
    {
        if (_circuit is not { } circuit)
        {
            return CloseAsync();
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        circuit.Post(_ => CloseAsync().ContinueWith(_ => done.TrySetResult(), TaskScheduler.Default), null);
        return done.Task;
    }

    private async Task CloseAsync()
    {
        var module = _module;
        State = AgentConnectionState.Disabled;
        Devices = [];
        Changed?.Invoke();
        if (module is null)
        {
            return;
        }

        try
        {
            await module.InvokeVoidAsync("stop").ConfigureAwait(true);
        }
        catch (Exception e) when (e is JSDisconnectedException or JSException or TaskCanceledException or ObjectDisposedException)
        {
            // The page is gone already, and its link with it.
        }
    }

    /// <summary>
    /// The page's reports arrive as JSON and are read with the portal's one set of options: read by the circuit's JS
    /// runtime, every open page would keep its own copy of the metadata of every type in a device snapshot (~30 KB).
    /// </summary>
    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web);

    [JSInvokable(nameof(OnAgentState))]
    public void ReceiveAgentState(string state, JsonElement agent) =>
        OnAgentState(state, agent.ValueKind is JsonValueKind.Object ? agent.Deserialize<AgentInfo>(ReportJson) : null);

    [JSInvokable(nameof(OnDevices))]
    public void ReceiveDevices(JsonElement devices) =>
        OnDevices(devices.ValueKind is JsonValueKind.Array ? devices.Deserialize<DeviceSnapshot[]>(ReportJson)! : []);

    public void OnAgentState(string state, AgentInfo? agent)
    {
        if (State == AgentConnectionState.Disabled)
        {
            return; // closed for the session's end: a late report of the old link changes nothing
        }

        State = Enum.TryParse<AgentConnectionState>(state, ignoreCase: true, out var parsed) ? parsed : AgentConnectionState.NotRunning;
        Agent = agent;
        if (State != AgentConnectionState.Connected)
        {
            Devices = [];
        }

        LogState(logger, State);
        Changed?.Invoke();
    }

    public void OnDevices(IReadOnlyList<DeviceSnapshot> devices)
    {
        if (State == AgentConnectionState.Disabled)
        {
            return;
        }

        Devices = devices;
        Changed?.Invoke();
    }

    public async ValueTask DisposeAsync()
    {
        _registration?.Dispose();
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("stop").ConfigureAwait(false);
                await _module.DisposeAsync().ConfigureAwait(false);
            }
            catch (JSDisconnectedException)
            {
                // The page is gone, and the link with it.
            }
        }

        _self?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent link is {State}")]
    private static partial void LogState(ILogger logger, AgentConnectionState state);
}

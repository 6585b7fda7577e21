using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace Qtsp.E2E.Benchmarks.Protocol;

/// <summary>
/// A signed-in page's Blazor Server circuit driven the way blazor.web.js drives it, without a browser: the prerendered
/// page's component markers handed to the portal's hub ("blazorpack"), every render batch read and acknowledged, the
/// JavaScript calls the components make answered (module imports, MudBlazor's and the framework's helpers), navigation
/// by the menu (location changes) and browser events (change, submit) dispatched to the handlers the batches named.
/// The token agent's part is played by <see cref="SimulatedAgent"/>: the page's agent link reports it connected and shows
/// the devices the real agent reported. A page costs the portal what a browser's page costs it; it costs the load
/// generator next to nothing, so 100 users and more fit on the machine that runs the portal.
/// </summary>
public sealed partial class ServerCircuit : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly PortalHttpSession _session;
    private readonly SimulatedAgent _agent;
    private readonly Lock _gate = new();
    private readonly List<Wait> _waits = [];
    private readonly Dictionary<string, RenderedElement> _byTestId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _shownAt = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _jsObjects = [];
    private readonly List<RenderedElement> _inserted = [];
    private readonly List<string> _texts = [];
    private readonly ConcurrentQueue<string> _log = new();
    private long _nextJsObject = 1;
    private long _nextShown;
    private long _rendererInterop;
    private long _nextCall;

    private string? _circuitId;

    private ServerCircuit(HubConnection connection, PortalHttpSession session, SimulatedAgent agent)
    {
        _connection = connection;
        _session = session;
        _agent = agent;
    }

    /// <summary>JavaScript calls nobody answered specifically (identifier → count), for the benchmark's report.</summary>
    public static ConcurrentDictionary<string, int> UnansweredCalls { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts the circuit of a page already loaded over HTTP (<paramref name="html"/>, from <paramref name="pageUrl"/>) and
    /// waits until a render batch satisfies <paramref name="shown"/>.
    /// </summary>
    public static async Task<ServerCircuit> StartAsync(PortalHttpSession session, Uri pageUrl, string html, SimulatedAgent agent,
        Func<RenderBatchView, bool> shown, TimeSpan timeout)
    {
        var portal = session.Portal;
        var cookieHeader = session.CookieHeader;
        var builder = new HubConnectionBuilder().WithUrl(new Uri(portal, "_blazor"), options =>
        {
            options.Transports = HttpTransportType.WebSockets;
            options.SkipNegotiation = true;
            options.Headers["Cookie"] = cookieHeader;
            options.Headers["Origin"] = portal.GetLeftPart(UriPartial.Authority);
        });
        builder.Services.AddSingleton<IHubProtocol>(new BlazorPack());
        var circuit = new ServerCircuit(builder.Build(), session, agent);
        circuit.Listen();

        var markers = ComponentMarker().Matches(html).Select(m => m.Groups["json"].Value).ToList();
        var state = ComponentState().Match(html) is { Success: true } s ? s.Groups["state"].Value : "";
        var operations = markers.Select((json, i) =>
        {
            // blazor.web.js numbers the markers it found (uniqueId) and the components it asks for (ssrComponentId).
            var marker = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
            marker["uniqueId"] = JsonSerializer.SerializeToElement(i);
            return new { type = "add", ssrComponentId = i, marker };
        }).ToList();

        try
        {
            await circuit._connection.StartAsync().ConfigureAwait(false);
            await circuit.ActAndWaitAsync(async () =>
            {
                circuit._circuitId = await circuit._connection.InvokeAsync<string?>("StartCircuit", portal.AbsoluteUri, pageUrl.AbsoluteUri, "[]", state).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("The portal did not start a circuit.");
                await circuit._connection.SendAsync("UpdateRootComponents", JsonSerializer.Serialize(new { batchId = 1, operations }), state).ConfigureAwait(false);
            }, shown, timeout).ConfigureAwait(false);
            return circuit;
        }
        catch
        {
            await circuit.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Follows a link within the circuit (the router's interception of a click on the menu) and waits until the page shows.</summary>
    public Task NavigateAsync(string relativeUrl, Func<RenderBatchView, bool> shown, TimeSpan timeout)
    {
        lock (_gate)
        {
            _inserted.Clear();
            _texts.Clear();
        }

        return ActAndWaitAsync(() => _connection.SendAsync("OnLocationChanged", new Uri(_session.Portal, relativeUrl).AbsoluteUri, null, true), shown, timeout);
    }

    /// <summary>Types <paramref name="value"/> into the field with this test id (input, then change, as a browser reports typing and leaving it).</summary>
    public async Task FillAsync(string testId, string value)
    {
        var field = Element(testId);
        var events = TypingEvents.Where(field.Handlers.ContainsKey).ToList();
        if (field.Name is not ("input" or "textarea") || events.Count == 0)
        {
            throw new InvalidOperationException($"{testId} is a {field.Name} with handlers for {string.Join(", ", field.Handlers.Keys)}: nothing to type into.");
        }

        foreach (var name in events)
        {
            await DispatchAsync(field.Handlers[name], name[2..], new { value }, new { componentId = field.ComponentId, fieldValue = value }).ConfigureAwait(false);
        }
    }

    /// <summary>Submits the form with this test id and waits until the page shows the outcome.</summary>
    public Task SubmitAsync(string formTestId, Func<RenderBatchView, bool> shown, TimeSpan timeout)
    {
        var form = Element(formTestId);
        var handler = form.Handlers.GetValueOrDefault("onsubmit");
        if (handler == 0)
        {
            throw new InvalidOperationException($"The form {formTestId} has no submit handler.");
        }

        return ActAndWaitAsync(() => DispatchAsync(handler, "submit", new { }, null), shown, timeout);
    }

    /// <summary>Elements inserted since the last navigation that match.</summary>
    public IReadOnlyList<RenderedElement> InsertedSinceNavigation(Func<RenderedElement, bool> match)
    {
        lock (_gate)
        {
            return [.. _inserted.Where(match)];
        }
    }

    /// <summary>Texts shown since the last navigation.</summary>
    public IReadOnlyList<string> TextsSinceNavigation()
    {
        lock (_gate)
        {
            return [.. _texts];
        }
    }

    /// <summary>Leaves the page as a browser does: tells the portal the circuit is over (blazor.web.js' beacon), then hangs up.</summary>
    public async Task CloseAsync()
    {
        if (_circuitId is { } id)
        {
            using var form = new MultipartFormDataContent { { new StringContent(id), "circuitId" } };
            await _session.PostAsync("_blazor/disconnect", form).ConfigureAwait(false);
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    private RenderedElement Element(string testId)
    {
        lock (_gate)
        {
            return _byTestId.GetValueOrDefault(testId) ?? throw new InvalidOperationException($"The page shows no element {testId}.");
        }
    }

    private async Task ActAndWaitAsync(Func<Task> act, Func<RenderBatchView, bool> shown, TimeSpan timeout)
    {
        var wait = new Wait(shown, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_gate)
        {
            _waits.Add(wait);
        }

        try
        {
            await act().ConfigureAwait(false);
            await wait.Done.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The page did not show what was awaited within {timeout.TotalSeconds:0} s; what happened last: {string.Join(" | ", _log.TakeLast(25))}");
        }
        finally
        {
            lock (_gate)
            {
                _waits.Remove(wait);
            }
        }
    }

    private Task DispatchAsync(ulong handler, string eventName, object eventArgs, object? fieldInfo)
    {
        var descriptor = new { eventHandlerId = handler, eventName, eventFieldInfo = fieldInfo };
        return InvokeDotNetAsync(_rendererInterop, "DispatchEventAsync", JsonSerializer.Serialize(new[] { descriptor, eventArgs }));
    }

    private readonly System.Diagnostics.Stopwatch _age = System.Diagnostics.Stopwatch.StartNew();

    private void Log(string what)
    {
        _log.Enqueue($"{_age.ElapsedMilliseconds} ms {what}");
        while (_log.Count > 50 && _log.TryDequeue(out _))
        {
        }
    }

    private Task InvokeDotNetAsync(long dotNetObject, string method, string argsJson)
    {
        Log($"dotnet {method}");
        return _connection.SendAsync("BeginInvokeDotNetFromJS", Interlocked.Increment(ref _nextCall).ToString(CultureInfo.InvariantCulture), null, method, dotNetObject, argsJson);
    }

    private void Listen()
    {
        _connection.On<long, byte[]>("JS.RenderBatch", OnRenderBatchAsync);
        // Answered on the side, as a browser does: a call that waits (on the agent) must not hold up the render batches.
        _connection.On("JS.BeginInvokeJS", [typeof(long), typeof(string), typeof(string), typeof(int), typeof(long), typeof(int)], args =>
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await OnBeginInvokeJSAsync((long)args[0]!, (string)args[1]!, (string)args[2]!, (int)args[3]!, (long)args[4]!);
                }
                catch (Exception e)
                {
                    Log($"js call {args[1]} failed: {e.GetType().Name} {e.Message}");
                }
            });
            return Task.CompletedTask;
        });
        _connection.On<string, bool, string>("JS.EndInvokeDotNet", (_, succeeded, result) =>
        {
            if (!succeeded)
            {
                FailWaits(new InvalidOperationException("The portal refused a call from the page: " + result));
            }
        });
        _connection.On<string>("JS.Error", error =>
        {
            Log("error " + error);
            FailWaits(new InvalidOperationException("The portal reported an error: " + error));
        });
        _connection.Closed += error =>
        {
            FailWaits(new InvalidOperationException("The circuit's connection closed.", error));
            return Task.CompletedTask;
        };
    }

    private async Task OnRenderBatchAsync(long batchId, byte[] data)
    {
        string? failure = null;
        try
        {
            var batch = RenderBatchView.Read(data);
            Log($"batch {batchId}: {batch.Elements.Count} elements [{string.Join(",", batch.Elements.Select(e => e.TestId).OfType<string>().Distinct())}]");
            lock (_gate)
            {
                foreach (var element in batch.Elements)
                {
                    _inserted.Add(element);
                    if (element.TestId is { } testId)
                    {
                        _byTestId[testId] = element;
                        _shownAt[testId] = _nextShown++;
                    }
                }

                _texts.AddRange(batch.Texts);
                TakeOverReplacedHandlers(batch.ReplacedHandlers);

                foreach (var wait in _waits.Where(w => w.Shown(batch)))
                {
                    wait.Done.TrySetResult();
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            failure = "The load generator could not read a render batch: " + e.Message;
        }

        await _connection.SendAsync("OnRenderCompleted", batchId, failure).ConfigureAwait(false);
    }

    /// <summary>
    /// A re-render gives the handlers it renders with new delegates new ids (an @bind's, a lambda's), in the order of the
    /// component's elements, and the batch names only the component and the event. So the k-th new "onchange" of a
    /// component is its k-th element with an "onchange", if all of them got one (a field's binder always does); otherwise
    /// every such element takes the last.
    /// </summary>
    private void TakeOverReplacedHandlers(IEnumerable<ReplacedHandler> replacedHandlers)
    {
        foreach (var replaced in replacedHandlers.GroupBy(r => (r.ComponentId, r.EventName)))
        {
            var elements = _byTestId
                .Where(e => e.Value.ComponentId == replaced.Key.ComponentId && e.Value.Handlers.ContainsKey(replaced.Key.EventName))
                .OrderBy(e => _shownAt[e.Key])
                .ToList();
            var handlers = replaced.Select(r => r.HandlerId).ToList();
            for (var i = 0; i < elements.Count; i++)
            {
                var (testId, element) = elements[i];
                var handler = elements.Count == handlers.Count ? handlers[i] : handlers[^1];
                _byTestId[testId] = element with { Handlers = new Dictionary<string, ulong>(element.Handlers) { [replaced.Key.EventName] = handler } };
            }
        }
    }

    private async Task OnBeginInvokeJSAsync(long asyncHandle, string identifier, string argsJson, int resultType, long target)
    {
        string result;
        string? module;
        lock (_gate)
        {
            module = _jsObjects.GetValueOrDefault(target);
        }

        Log($"js {module} {identifier}");
        using var args = JsonDocument.Parse(argsJson);
        if (resultType == 1)
        {
            // A JavaScript object reference (an imported module): a number of our own, remembered with what it stands for.
            var id = Interlocked.Increment(ref _nextJsObject);
            lock (_gate)
            {
                _jsObjects[id] = identifier == "import" ? args.RootElement[0].GetString() ?? "" : identifier;
            }

            result = $$"""{"__jsObjectId":{{id}}}""";
        }
        else if (identifier == "Blazor._internal.attachWebRendererInterop")
        {
            // The renderer's own .NET object: browser events are dispatched through it.
            _rendererInterop = args.RootElement[1].GetProperty("__dotNetObject").GetInt64();
            result = "null";
        }
        else if (module?.EndsWith("agent-bridge.js", StringComparison.Ordinal) == true)
        {
            result = await AnswerAgentBridgeAsync(identifier, args.RootElement).ConfigureAwait(false);
        }
        else if (module is null && PlausibleAnswers.TryGetValue(identifier, out var answer))
        {
            result = answer;
        }
        else
        {
            UnansweredCalls.AddOrUpdate(module is null ? identifier : $"{module} {identifier}", 1, (_, n) => n + 1);
            result = "null";
        }

        if (asyncHandle != 0)
        {
            await _connection.SendAsync("EndInvokeJSFromDotNet", asyncHandle, true, $"[{asyncHandle},true,{result}]").ConfigureAwait(false);
            Log($"js {identifier} answered ({asyncHandle})");
        }
    }

    /// <summary>The page's agent link (agent-bridge.js) as it behaves with the agent running: connected, the devices shown.</summary>
    private async Task<string> AnswerAgentBridgeAsync(string function, JsonElement args)
    {
        switch (function)
        {
            case "start":
                var page = args[3].GetProperty("__dotNetObject").GetInt64();
                _ = Task.Run(async () =>
                {
                    // As the module does after answering start: the greeting, then the devices.
                    await InvokeDotNetAsync(page, "OnAgentState", $"[\"connected\",{_agent.AgentInfo}]").ConfigureAwait(false);
                    await InvokeDotNetAsync(page, "OnDevices", $"[{_agent.Devices}]").ConfigureAwait(false);
                });
                return "null";
            case "invoke":
                return await _agent.InvokeAsync(args[0].GetString()!, [.. args.EnumerateArray().Skip(1).Select(a => a.Clone())]).ConfigureAwait(false);
            default:
                UnansweredCalls.AddOrUpdate("agent-bridge.js " + function, 1, (_, n) => n + 1);
                return "null";
        }
    }

    private void FailWaits(Exception error)
    {
        lock (_gate)
        {
            foreach (var wait in _waits)
            {
                wait.Done.TrySetException(error);
            }
        }
    }

    /// <summary>What a browser reports while a person types into a field and leaves it.</summary>
    private static readonly string[] TypingEvents = ["oninput", "onchange"];

    /// <summary>What a desktop browser window (1280 × 900, as the Chromium users have) answers to the questions whose answer shapes the page.</summary>
    private static readonly Dictionary<string, string> PlausibleAnswers = new(StringComparer.Ordinal)
    {
        ["mudResizeListener.getBrowserWindowSize"] = """{"height":900,"width":1280}""",
        ["mudpopoverHelper.countProviders"] = "1",
        ["Blazor._internal.PageTitle.getAndRemoveExistingTitle"] = "\"\"",
    };

    private sealed record Wait(Func<RenderBatchView, bool> Shown, TaskCompletionSource Done);

    // <!--Blazor:{"type":"server",...}--> : a component the server prerendered and will run in the circuit.
    [GeneratedRegex("""<!--Blazor:(?<json>\{"type":"server".*?\})-->""")]
    private static partial Regex ComponentMarker();

    [GeneratedRegex(@"<!--Blazor-Server-Component-State:(?<state>[A-Za-z0-9+/=]+)-->")]
    private static partial Regex ComponentState();

    /// <summary>SignalR's MessagePack hub protocol under the name the Blazor hub accepts.</summary>
    private sealed class BlazorPack : IHubProtocol
    {
        private readonly MessagePackHubProtocol _inner = new();

        public string Name => "blazorpack";

        public int Version => _inner.Version;

        public TransferFormat TransferFormat => _inner.TransferFormat;

        public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);

        public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMessage? message) =>
            _inner.TryParseMessage(ref input, binder, out message);

        public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(message, output);

        public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(message);
    }
}

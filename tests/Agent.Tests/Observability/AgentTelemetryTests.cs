using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Agent.Observability;
using Qtsp.Agent.Tests.Bridge;
using Qtsp.Agent.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tests.Observability;

/// <summary>The agent's device operations are measured and traced (name, outcome, duration) and nothing else goes into the tags.</summary>
[Collection(InProcessSoftHsm.Name)]
public sealed class AgentTelemetryTests(AgentServer agent) : IClassFixture<AgentServer>
{
    private static readonly string[] TagNames = ["operation", "outcome"];

    private sealed record Measured(string Instrument, double Value, Dictionary<string, string?> Tags);

    [Fact]
    public async Task Each_hub_operation_is_counted_and_timed_by_name_and_outcome_and_traced()
    {
        var measured = new ConcurrentQueue<Measured>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == AgentTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measured.Enqueue(new(instrument.Name, value, Tags(tags))));
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measured.Enqueue(new(instrument.Name, value, Tags(tags))));
        meters.Start();
        var spans = new ConcurrentQueue<Activity>();
        using var traces = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AgentTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(traces);

        await using var connection = await AgentHubClient.ConnectAsync(agent.HubWebSocketAddress, AgentServer.AllowedOrigin);
        var devices = (await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Value!;
        var pair = devices.Single(d => d.Areas.Count == 2);
        (await connection.InvokeAsync<AgentResult<string>>(AgentHubContract.RenameToken, new TokenRename(pair.DeviceId, "Renamed"))).Error!.Code.ShouldBe(AgentErrorCode.NotSupported);
        (await connection.InvokeAsync<AgentResult<string>>(AgentHubContract.RenameToken, new TokenRename("no-such-device", "Renamed"))).Error!.Code.ShouldBe(AgentErrorCode.DeviceNotFound);
        var certificate = pair.Areas.Single(a => a.Kind == AreaKind.Qualified).Certificates.ShouldHaveSingleItem();
        (await connection.InvokeAsync<AgentResult<byte[]>>(AgentHubContract.GetCertificate, pair.DeviceId, AreaKind.Qualified, certificate.IdHex)).Error.ShouldBeNull();

        meters.RecordObservableInstruments();
        var counted = measured.Where(m => m.Instrument == "qtsp.agent.operations").ToList();
        counted.ShouldContain(m => m.Tags["operation"] == "RenameToken" && m.Tags["outcome"] == nameof(AgentErrorCode.NotSupported));
        counted.ShouldContain(m => m.Tags["operation"] == "RenameToken" && m.Tags["outcome"] == nameof(AgentErrorCode.DeviceNotFound));
        counted.ShouldContain(m => m.Tags["operation"] == "GetCertificate" && m.Tags["outcome"] == AgentTelemetry.Success);

        var timed = measured.Where(m => m.Instrument == "qtsp.agent.operation.duration").ToList();
        timed.ShouldContain(m => m.Tags["operation"] == "RenameToken" && m.Value >= 0);
        measured.ShouldAllBe(m => m.Tags.Keys.Order().SequenceEqual(TagNames), "no device serial, key id or origin in the tags");

        var rename = spans.Where(s => s.OperationName == "agent.RenameToken").ToList();
        rename.ShouldContain(s => (string?)s.GetTagItem("qtsp.agent.outcome") == nameof(AgentErrorCode.NotSupported) && s.Status == ActivityStatusCode.Error);
        rename.SelectMany(s => s.TagObjects).Select(t => t.Value?.ToString() ?? "").ShouldNotContain(value => value.Contains(pair.DeviceId, StringComparison.Ordinal));
    }

    private static Dictionary<string, string?> Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value?.ToString();
        }

        return result;
    }
}

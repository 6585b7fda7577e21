using System.Diagnostics;
using System.Diagnostics.Metrics;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Observability;

/// <summary>
/// The agent's device operations as metrics and spans: which operation, how it ended (success or the error code the page
/// got), how long it took. Never a PIN, a device serial or a key id: only the operation's name and the outcome's code.
/// </summary>
public static class AgentTelemetry
{
    public const string Name = "Qtsp.Agent";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Operations = Meter.CreateCounter<long>("qtsp.agent.operations", "{operation}", "Device operations asked for by pages, by operation and outcome");

    private static readonly Histogram<double> OperationDuration = Meter.CreateHistogram("qtsp.agent.operation.duration", "s", "How long a device operation took, by operation and outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] });

    public const string Success = "success";

    /// <summary>Starts the span of <paramref name="operation"/>; null when nobody listens.</summary>
    public static Activity? Start(string operation)
    {
        var activity = Source.StartActivity($"agent.{operation}");
        activity?.SetTag("qtsp.agent.operation", operation);
        return activity;
    }

    public static void Ended<T>(string operation, AgentResult<T> result, TimeSpan duration, Activity? activity)
    {
        ArgumentNullException.ThrowIfNull(result);
        var outcome = result.Error is { } error ? error.Code.ToString() : Success;
        var tags = new TagList { { "operation", operation }, { "outcome", outcome } };
        Operations.Add(1, tags);
        OperationDuration.Record(duration.TotalSeconds, tags);
        if (activity is not null)
        {
            activity.SetTag("qtsp.agent.outcome", outcome);
            activity.SetStatus(result.Error is null ? ActivityStatusCode.Ok : ActivityStatusCode.Error, result.Error is null ? null : outcome);
        }
    }
}

using System.Diagnostics;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Qtsp.Portal.Infrastructure.Observability;

/// <summary>
/// One id that ties together the log lines of a request (<see cref="CorrelationIdMiddleware"/>) or of a Blazor circuit
/// (<see cref="CircuitCorrelation"/>): it is in the log scope as <c>CorrelationId</c>, on the current span as
/// <c>correlation.id</c>, and in the response's <c>X-Correlation-Id</c>.
/// </summary>
public static class CorrelationId
{
    public const string Header = "X-Correlation-Id";
    public const string ScopeKey = "CorrelationId";
    public const string TagName = "correlation.id";
    private const int MaxLength = 64;

    /// <summary>A caller's id is taken only when it is short and plain (letters, digits, '-', '_', '.', ':'): it goes into logs.</summary>
    public static bool IsAcceptable(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    /// <summary>The trace id of the current span, or a fresh random id without one.</summary>
    public static string New() => Activity.Current is { TraceId: var traceId } && traceId != default ? traceId.ToHexString() : Guid.NewGuid().ToString("N");

    internal static Dictionary<string, object> Scope(string id) => new(StringComparer.Ordinal) { [ScopeKey] = id };
}

/// <summary>Takes an acceptable incoming <c>X-Correlation-Id</c> (a proxy's) or makes one, and answers with it.</summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next, ILogger<CorrelationIdMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[CorrelationId.Header].ToString();
        var id = CorrelationId.IsAcceptable(incoming) ? incoming : CorrelationId.New();
        context.Response.Headers[CorrelationId.Header] = id;
        Activity.Current?.SetTag(CorrelationId.TagName, id);
        using (logger.BeginScope(CorrelationId.Scope(id)))
        {
            await next(context).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// One per circuit (scoped): an id made when the circuit opens, put in the log scope and on the span of everything the
/// circuit does for its page (events, JavaScript calls, renders), so a user's actions in one tab can be followed in the log.
/// It also counts the circuit in <see cref="CircuitMetrics"/> while it is open.
/// </summary>
internal sealed partial class CircuitCorrelation(ILogger<CircuitCorrelation> logger) : CircuitHandler
{
    private int _counted;

    public string Id { get; } = CorrelationId.New();

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _counted, 1) == 0)
        {
            CircuitMetrics.Opened();
        }

        using (logger.BeginScope(CorrelationId.Scope(Id)))
        {
            LogOpened(logger);
        }

        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _counted, 0) == 1)
        {
            CircuitMetrics.Closed();
        }

        using (logger.BeginScope(CorrelationId.Scope(Id)))
        {
            LogClosed(logger);
        }

        return Task.CompletedTask;
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            using (logger.BeginScope(CorrelationId.Scope(Id)))
            {
                Activity.Current?.SetTag(CorrelationId.TagName, Id);
                await next(context).ConfigureAwait(false);
            }
        };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Circuit opened")]
    private static partial void LogOpened(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Circuit closed")]
    private static partial void LogClosed(ILogger logger);
}

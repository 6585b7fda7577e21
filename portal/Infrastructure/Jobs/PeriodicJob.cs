using System.Diagnostics;
using Qtsp.Portal.Infrastructure.Observability;

namespace Qtsp.Portal.Infrastructure.Jobs;

/// <summary>
/// The timer of a background job on every portal instance: a pass of <typeparamref name="TPass"/> (a scoped service)
/// every <see cref="Interval"/>; the pass decides by its lease (<see cref="JobLeases"/>) whether this instance works.
/// A failed pass is logged and the next one tries again, so a pass must leave nothing half-done.
/// </summary>
public abstract partial class PeriodicJob<TPass>(IServiceScopeFactory scopes, TimeProvider time, ILogger logger) : BackgroundService
    where TPass : notnull
{
    protected abstract string Name { get; }

    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunPassAsync(TPass pass, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            var failed = false;
            try
            {
                using var activity = PortalTelemetry.Source.StartActivity("job.pass");
                activity?.SetTag("qtsp.job", Name);
                await using var scope = scopes.CreateAsyncScope();
                await RunPassAsync(scope.ServiceProvider.GetRequiredService<TPass>(), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                failed = true;
                LogFailed(logger, Name, exception);
            }

            JobMetrics.PassRan(Name, failed, Stopwatch.GetElapsedTime(started));

            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Job} job failed; it runs again at the next interval")]
    private static partial void LogFailed(ILogger logger, string job, Exception exception);
}

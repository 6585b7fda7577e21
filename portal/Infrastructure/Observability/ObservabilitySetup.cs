using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Infrastructure.Observability;

/// <summary>
/// Metrics (OpenTelemetry, scraped by Prometheus on a port of their own), traces (exported over OTLP when a collector is
/// configured), correlation ids in the logs, and the liveness and readiness probes.
/// </summary>
public static class ObservabilitySetup
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string MetricsPath = "/metrics";
    private const string ReadyTag = "ready";

    /// <summary>The framework's meters the portal exports: requests, Kestrel, SignalR, Blazor circuits and components, EF Core.</summary>
    public static readonly IReadOnlyList<string> FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Http.Connections",
        "Microsoft.AspNetCore.Components",
        "Microsoft.AspNetCore.Components.Lifecycle",
        "Microsoft.AspNetCore.Components.Server.Circuits",
        "Microsoft.EntityFrameworkCore",
    ];

    public static WebApplicationBuilder AddPortalObservability(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        builder.Services.AddOptions<ObservabilityOptions>().BindConfiguration(ObservabilityOptions.Section);
        if (options.MetricsPort is < 0 or > 65535)
        {
            throw new InvalidOperationException($"Observability:MetricsPort {options.MetricsPort} is no port (0 turns the metrics endpoint off).");
        }

        if (options.MetricsPort > 0)
        {
            ListenForMetrics(builder, options);
        }

        // Scopes carry the correlation id; the JSON console formatter (Logging:Console:FormatterName=json) drops them unless asked.
        builder.Services.Configure<JsonConsoleFormatterOptions>(json => json.IncludeScopes = true);
        builder.Services.AddScoped<CircuitHandler, CircuitCorrelation>();

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("qtsp-portal", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. FrameworkMeters, .. PortalTelemetry.MeterNames])
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (options.MetricsPort > 0)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (options.OtlpEndpoint is { } otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(PortalTelemetry.ActivitySourceName, "Microsoft.AspNetCore.Components", "Microsoft.AspNetCore.Components.Server.Circuits")
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = context => !IsProbeOrScrape(context.Request.Path))
                .AddEntityFrameworkCoreInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter(exporter => exporter.Endpoint = otlp));
        }

        builder.Services.AddHealthChecks()
            .AddDbContextCheck<PortalDbContext>("database", tags: [ReadyTag])
            .AddCheck<CaTokenHealthCheck>("hsm", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(10))
            .AddCheck<MailHealthCheck>("mail", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(10));
        return builder;
    }

    /// <summary>
    /// Adds the metrics endpoint to the addresses Kestrel listens on (next to <c>urls</c>, or as one more of
    /// <c>Kestrel:Endpoints</c> when those are configured, since they replace the urls).
    /// </summary>
    private static void ListenForMetrics(WebApplicationBuilder builder, ObservabilityOptions options)
    {
        var host = options.MetricsAddress.Contains(':', StringComparison.Ordinal) && !options.MetricsAddress.StartsWith('[') ? $"[{options.MetricsAddress}]" : options.MetricsAddress;
        var url = $"http://{host}:{options.MetricsPort}";
        if (builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            builder.Configuration["Kestrel:Endpoints:Metrics:Url"] = url;
            return;
        }

        var urls = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
        builder.WebHost.UseUrls([.. (string.IsNullOrWhiteSpace(urls) ? "http://localhost:5000" : urls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), url]);
    }

    /// <summary>
    /// First in the pipeline: on the metrics port only <c>/metrics</c> (everything else there is 404), and the correlation id
    /// of every request. On the public port <c>/metrics</c> is just an unknown address.
    /// </summary>
    public static WebApplication UsePortalObservability(this WebApplication app)
    {
        var metricsPort = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ObservabilityOptions>>().Value.MetricsPort;
        if (metricsPort > 0)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Connection.LocalPort == metricsPort && context.Request.Path == MetricsPath);
            app.Use((context, next) =>
            {
                if (context.Connection.LocalPort != metricsPort)
                {
                    return next(context);
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }

        app.UseMiddleware<CorrelationIdMiddleware>();
        return app;
    }

    /// <summary>
    /// <c>/health/live</c>: the process answers (no dependency is asked). <c>/health/ready</c>: database, CA token and mail,
    /// 503 when any fails, with a JSON body of each check. <c>/health</c> stays as it was for existing probes: the same
    /// checks as ready, answered as plain text.
    /// </summary>
    public static WebApplication MapPortalHealth(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = HealthResponse.WriteAsync })
            .AllowAnonymous();
        app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) }).AllowAnonymous();
        return app;
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase);
}

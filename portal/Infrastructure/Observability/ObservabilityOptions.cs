namespace Qtsp.Portal.Infrastructure.Observability;

/// <summary>Section "Observability": where Prometheus scrapes the metrics, and where traces go.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>The port of the metrics endpoint (<c>/metrics</c>, nothing else); 0 serves no metrics endpoint.</summary>
    public int MetricsPort { get; set; }

    /// <summary>The address the metrics port listens on; loopback unless the scraper runs on another host.</summary>
    public string MetricsAddress { get; set; } = "127.0.0.1";

    /// <summary>An OTLP collector (e.g. http://127.0.0.1:4317) that receives traces; unset: no traces are exported.</summary>
    public Uri? OtlpEndpoint { get; set; }
}

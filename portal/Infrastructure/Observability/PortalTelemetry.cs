using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Qtsp.Portal.Infrastructure.Observability;

/// <summary>
/// The portal's own traces and meters. Static, as the framework's are: instruments cost nothing until a listener (the
/// OpenTelemetry meter provider, a test's MeterListener) subscribes, and the CA engine needs no container to use them.
/// </summary>
public static class PortalTelemetry
{
    public const string ActivitySourceName = "Qtsp.Portal";
    public const string CaMeterName = "Qtsp.Portal.Ca";
    public const string OutboxMeterName = "Qtsp.Portal.Outbox";
    public const string JobsMeterName = "Qtsp.Portal.Jobs";
    public const string CircuitsMeterName = "Qtsp.Portal.Circuits";

    /// <summary>Spans around issuance, revocation, CRL publication, OCSP answers and outbox passes.</summary>
    public static readonly ActivitySource Source = new(ActivitySourceName);

    public static readonly IReadOnlyList<string> MeterNames = [CaMeterName, OutboxMeterName, JobsMeterName, CircuitsMeterName];
}

/// <summary>The CA engine: what it signed, refused, revoked and answered, and how long its key took to sign.</summary>
public static class CaMetrics
{
    private static readonly Meter Meter = new(PortalTelemetry.CaMeterName);

    private static readonly Counter<long> Issued = Meter.CreateCounter<long>("qtsp.ca.certificates.issued", "{certificate}", "Certificates signed, by profile and issuing CA");
    private static readonly Counter<long> Refused = Meter.CreateCounter<long>("qtsp.ca.issuance.refused", "{request}", "Issuance requests the CA refused, by profile and reason");
    private static readonly Counter<long> Revocations = Meter.CreateCounter<long>("qtsp.ca.revocations", "{certificate}", "Certificates revoked, by reason");
    private static readonly Counter<long> CrlsPublished = Meter.CreateCounter<long>("qtsp.ca.crls.published", "{crl}", "CRLs signed and stored, by CA");
    private static readonly Counter<long> OcspResponses = Meter.CreateCounter<long>("qtsp.ca.ocsp.responses", "{response}", "OCSP responses, by response status");
    private static readonly Counter<long> OcspCertificateStatuses = Meter.CreateCounter<long>("qtsp.ca.ocsp.certificate_statuses", "{status}", "Certificate statuses in successful OCSP responses (good, revoked, unknown)");
    private static readonly Histogram<double> SigningDuration = Meter.CreateHistogram("qtsp.ca.signing.duration", "s", "Time the CA key took to sign, by what was signed (certificate, crl, ocsp)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    public static void CertificateIssued(string profile, string caName) =>
        Issued.Add(1, new KeyValuePair<string, object?>("profile", profile), new KeyValuePair<string, object?>("ca", caName));

    public static void IssuanceRefused(string profile, string reason) =>
        Refused.Add(1, new KeyValuePair<string, object?>("profile", profile), new KeyValuePair<string, object?>("reason", reason));

    public static void CertificateRevoked(string reason) => Revocations.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void CrlPublished(string caName) => CrlsPublished.Add(1, new KeyValuePair<string, object?>("ca", caName));

    public static void OcspResponded(string status) => OcspResponses.Add(1, new KeyValuePair<string, object?>("status", status));

    public static void OcspCertificateStatus(string status) => OcspCertificateStatuses.Add(1, new KeyValuePair<string, object?>("status", status));

    public static void SignatureMade(string what, TimeSpan duration) => SigningDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("signed", what));
}

/// <summary>The mail outbox: messages handed to the transport, failures, and what is still waiting.</summary>
public static class OutboxMetrics
{
    private static readonly Meter Meter = new(PortalTelemetry.OutboxMeterName);
    private static long _pending = -1;

    private static readonly Counter<long> Sent = Meter.CreateCounter<long>("qtsp.outbox.sent", "{message}", "Messages delivered to the SMTP server or the pickup folder, by kind");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("qtsp.outbox.failed", "{message}", "Delivery attempts that failed (retried later), by kind");

    static OutboxMetrics() =>
        Meter.CreateObservableGauge("qtsp.outbox.pending", ObservePending, "{message}", "Messages not sent yet, as the last outbox pass of this instance counted them");

    public static void MessageSent(string kind) => Sent.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public static void MessageFailed(string kind) => Failed.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public static void PendingCounted(long pending) => Interlocked.Exchange(ref _pending, pending);

    /// <summary>Nothing until a pass has counted: a zero would claim an empty outbox nobody looked at.</summary>
    private static IEnumerable<Measurement<long>> ObservePending()
    {
        var pending = Interlocked.Read(ref _pending);
        return pending < 0 ? [] : [new Measurement<long>(pending)];
    }
}

/// <summary>
/// The circuits this instance holds in memory (their page connected or not yet given up), from each circuit's opening to
/// its closing. The framework's own <c>aspnetcore.components.circuit.active</c> was seen going below zero under load (it also
/// counts down circuits that never counted as opened), so capacity planning reads this one.
/// </summary>
public static class CircuitMetrics
{
    private static readonly Meter Meter = new(PortalTelemetry.CircuitsMeterName);
    private static long _open;

    static CircuitMetrics() =>
        Meter.CreateObservableGauge("qtsp.circuits.open", () => Interlocked.Read(ref _open), "{circuit}", "Blazor circuits this instance holds in memory, from opened to closed");

    public static void Opened() => Interlocked.Increment(ref _open);

    public static void Closed() => Interlocked.Decrement(ref _open);
}

/// <summary>The background jobs' passes (every instance runs them; a pass works only while it holds the job's lease).</summary>
public static class JobMetrics
{
    private static readonly Meter Meter = new(PortalTelemetry.JobsMeterName);

    private static readonly Counter<long> Passes = Meter.CreateCounter<long>("qtsp.jobs.passes", "{pass}", "Passes of a background job, by job and outcome (completed, failed)");
    private static readonly Histogram<double> PassDuration = Meter.CreateHistogram<double>("qtsp.jobs.pass.duration", "s", "How long a pass of a background job took");

    public static void PassRan(string job, bool failed, TimeSpan duration)
    {
        var tags = new TagList { { "job", job }, { "outcome", failed ? "failed" : "completed" } };
        Passes.Add(1, tags);
        PassDuration.Record(duration.TotalSeconds, tags);
    }
}

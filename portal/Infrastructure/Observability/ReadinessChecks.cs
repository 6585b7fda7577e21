using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Net.Pkcs11Interop.Common;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Infrastructure.Mail;

namespace Qtsp.Portal.Infrastructure.Observability;

/// <summary>
/// The CA's key store answers: a pooled session on the CA token is still in the logged-in state the CA signs with. A
/// portal without the embedded CA has nothing to check.
/// </summary>
internal sealed class CaTokenHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<EmbeddedCertificateAuthority>() is not { } authority)
        {
            return HealthCheckResult.Healthy("No embedded CA.");
        }

        try
        {
            var (_, token) = await authority.GetSigningAsync(cancellationToken).ConfigureAwait(false);
            var state = token.WithSession(session => session.GetSessionInfo().State);
            return state is CKS.CKS_RO_USER_FUNCTIONS or CKS.CKS_RW_USER_FUNCTIONS
                ? HealthCheckResult.Healthy($"Token {token.Label} logged in.")
                : HealthCheckResult.Unhealthy($"Token {token.Label} is not logged in.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The CA token does not answer ({exception.GetType().Name}).");
        }
    }
}

/// <summary>
/// Mail can leave: the SMTP server accepts a TCP connection (no SMTP session: a probe every few seconds must not count as
/// a client), or, without SMTP, a file can be written to the pickup folder.
/// </summary>
internal sealed class MailHealthCheck(IOptions<MailOptions> options, OutboxSender outbox) : IHealthCheck
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.SmtpHost))
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(settings.SmtpHost, settings.SmtpPort, timeout.Token).ConfigureAwait(false);
                return HealthCheckResult.Healthy("SMTP server reachable.");
            }
            catch (Exception exception) when (exception is SocketException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return HealthCheckResult.Unhealthy("SMTP server not reachable.");
            }
        }

        try
        {
            var folder = outbox.PickupDirectory;
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".ready-{Guid.NewGuid():N}");
            await File.WriteAllBytesAsync(probe, [], cancellationToken).ConfigureAwait(false);
            File.Delete(probe);
            return HealthCheckResult.Healthy("Pickup folder writable.");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy("Pickup folder not writable.");
        }
    }
}

/// <summary>The readiness answer as JSON: the overall status and each check's, with what it found (never exception texts).</summary>
internal static class HealthResponse
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var body = new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.Select(entry => new
            {
                name = entry.Key,
                status = entry.Value.Status.ToString(),
                durationMs = Math.Round(entry.Value.Duration.TotalMilliseconds, 1),
                description = entry.Value.Description ?? (entry.Value.Exception is null ? null : entry.Value.Exception.GetType().Name),
            }),
        };
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json), context.RequestAborted);
    }
}

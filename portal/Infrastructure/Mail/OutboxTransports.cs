using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Text;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Infrastructure.Mail;

/// <summary>What happened to one message handed to a transport.</summary>
public abstract record DeliveryResult
{
    public sealed record Delivered : DeliveryResult;

    /// <param name="Error">For the outbox and the log: what failed (the server's answer, the exception), never content or secrets.</param>
    /// <param name="TransportUnusable">The server cannot be reached or refused the session: the other messages wait for the next pass.</param>
    public sealed record Failed(string Error, bool TransportUnusable) : DeliveryResult;
}

/// <summary>Where one pass of the outbox sends its messages: one SMTP session, or the pickup folder.</summary>
public interface IOutboxTransport : IAsyncDisposable
{
    Task<DeliveryResult> DeliverAsync(MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>The e-mail of an outbox message, as both transports send it.</summary>
public static class OutboxMime
{
    public const string OutboxIdHeader = "X-Qtsp-Outbox-Id";

    public static MimeMessage Create(OutboxMessage message, string from)
    {
        ArgumentNullException.ThrowIfNull(message);
        var sender = MailboxAddress.Parse(from);
        var id = message.Id.ToString(CultureInfo.InvariantCulture);
        var mime = new MimeMessage
        {
            Subject = message.Subject,
            Date = message.CreatedAtUtc,
            // Stable per outbox message: should a message ever be sent again (a crash between the server's OK and the
            // outbox update), the recipient's mail system sees the same message.
            MessageId = $"outbox-{id}.{message.CreatedAtUtc.Ticks.ToString(CultureInfo.InvariantCulture)}@{sender.Domain}",
            Body = new TextPart(TextFormat.Plain) { Text = message.Body },
        };
        mime.From.Add(sender);
        mime.To.Add(MailboxAddress.Parse(message.Recipient));
        mime.Headers.Add(OutboxIdHeader, id);
        return mime;
    }
}

/// <summary>Without an SMTP server: each message becomes one .eml file in the pickup folder, its envelope in X-Sender/X-Receiver.</summary>
public sealed class PickupFolderTransport(string folder) : IOutboxTransport
{
    public async Task<DeliveryResult> DeliverAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            Directory.CreateDirectory(folder);
            message.Prepare(EncodingConstraint.SevenBit);
            var name = $"{message.Headers[OutboxMime.OutboxIdHeader]}-{Guid.NewGuid():N}";
            var writing = Path.Combine(folder, name + ".tmp");
            await using (var file = File.Create(writing))
            {
                // The envelope first, as pickup folders have it (and as System.Net.Mail wrote them before).
                var envelope = $"X-Sender: {message.From.Mailboxes.Single().Address}\r\n" +
                    string.Concat(message.To.Mailboxes.Select(to => $"X-Receiver: {to.Address}\r\n"));
                await file.WriteAsync(Encoding.UTF8.GetBytes(envelope), cancellationToken).ConfigureAwait(false);
                await message.WriteToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            // Whoever reads the folder never sees half a file.
            File.Move(writing, Path.Combine(folder, name + ".eml"));
            return new DeliveryResult.Delivered();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return new DeliveryResult.Failed($"{exception.GetType().Name}: {exception.Message}", TransportUnusable: true);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// One SMTP session (MailKit) for a pass: connected at the first message, STARTTLS required when configured (the
/// server's certificate verified), authenticated when a user is configured, closed at the end of the pass.
/// </summary>
public sealed class SmtpTransport(MailOptions settings, string? trustedCertificatePath) : IOutboxTransport
{
    /// <summary>How long one SMTP operation (connect, authenticate, send) may take.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly SmtpClient _client = new() { Timeout = (int)Timeout.TotalMilliseconds };
    private X509Certificate2? _trustedCertificate;

    public async Task<DeliveryResult> DeliverAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsSmtpFailure(exception))
        {
            return new DeliveryResult.Failed(Describe(exception), TransportUnusable: true);
        }

        try
        {
            await _client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return new DeliveryResult.Delivered();
        }
        catch (Exception exception) when (IsSmtpFailure(exception))
        {
            // A refusal of this message (e.g. 550 for its recipient) leaves the session usable for the others.
            return new DeliveryResult.Failed(Describe(exception), TransportUnusable: !_client.IsConnected);
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client.IsConnected)
        {
            return;
        }

        if (trustedCertificatePath is not null)
        {
            _trustedCertificate ??= X509CertificateLoader.LoadCertificateFromFile(trustedCertificatePath);
            _client.ServerCertificateValidationCallback = ChainsToTrustedCertificate;
        }

        var security = settings.SmtpTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        await _client.ConnectAsync(settings.SmtpHost ?? throw new InvalidOperationException("Mail:SmtpHost is not set."), settings.SmtpPort, security, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(settings.SmtpUser))
        {
            await _client.AuthenticateAsync(settings.SmtpUser, settings.SmtpPassword ?? "", cancellationToken).ConfigureAwait(false);
        }
    }

    private bool ChainsToTrustedCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_trustedCertificate!);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return custom.Build(presented);
    }

    private static bool IsSmtpFailure(Exception exception) =>
        exception is CommandException or ProtocolException or AuthenticationException or SslHandshakeException or SocketException
            or IOException or TimeoutException or ServiceNotConnectedException or ServiceNotAuthenticatedException or NotSupportedException;

    /// <summary>The exception's type and message, with the server's status code when it answered: never the password.</summary>
    private static string Describe(Exception exception) => exception switch
    {
        SmtpCommandException command => $"{nameof(SmtpCommandException)} {(int)command.StatusCode} ({command.ErrorCode}): {command.Message}",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(quit: true).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsSmtpFailure(exception))
            {
                // The messages are sent already; a server that hangs up first changes nothing.
            }
        }

        _client.Dispose();
        _trustedCertificate?.Dispose();
    }
}

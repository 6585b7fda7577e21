namespace Qtsp.Portal.Infrastructure.Mail;

/// <summary>Section "Mail": SMTP when <see cref="SmtpHost"/> is set, otherwise .eml files in <see cref="PickupDirectory"/>.</summary>
public sealed class MailOptions
{
    public const string Section = "Mail";

    public string From { get; set; } = "portal@qtsp.invalid";

    public string? SmtpHost { get; set; }

    public int SmtpPort { get; set; } = 587;

    /// <summary>STARTTLS is required (the server's certificate is verified); false: no TLS at all.</summary>
    public bool SmtpTls { get; set; } = true;

    /// <summary>
    /// A PEM certificate (a private CA's, or the relay's own) that the SMTP server's certificate must chain to instead of
    /// the system's roots; relative to the data directory. Unset: the system's roots.
    /// </summary>
    public string? SmtpTrustedCertificate { get; set; }

    public string? SmtpUser { get; set; }

    /// <summary>Never logged nor stored with a message's error.</summary>
    public string? SmtpPassword { get; set; }

    /// <summary>Where .eml files go without SMTP; relative to the data directory ("mail-pickup" by default).</summary>
    public string PickupDirectory { get; set; } = "mail-pickup";

    /// <summary>How often the outbox is looked at.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts before a message is left as failed (its last error stays in the outbox).</summary>
    public int MaxAttempts { get; set; } = 10;
}

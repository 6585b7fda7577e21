using System.Globalization;
using System.Resources;
using Qtsp.Portal.Data;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Infrastructure.Mail;

/// <summary>
/// Puts an e-mail into the outbox table in the same unit of work as the change it tells about (so a change is never
/// saved without its mail, nor a mail sent for a change that failed); <see cref="OutboxSender"/> delivers it.
/// </summary>
public sealed class MailOutbox(TimeProvider time)
{
    public OutboxMessage Enqueue(PortalDbContext db, string kind, string recipient, MailText subject, MailText body)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var message = new OutboxMessage
        {
            Kind = kind,
            Recipient = recipient,
            Subject = Shorten($"{subject.Czech} / {subject.English}", 300),
            Body = $"{body.Czech}\n\n-- \n\n{body.English}\n",
            CreatedAtUtc = now,
            NextAttemptAtUtc = now,
        };
        db.OutboxMessages.Add(message);
        return message;
    }

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}

/// <summary>A text of a mail in both languages (the portal does not know which one the customer reads).</summary>
public sealed record MailText(string Czech, string English);

/// <summary>The mails' texts from Strings.resx in both languages (indexed like the localizer: key, then arguments).</summary>
public sealed class MailTexts
{
    private static readonly ResourceManager Resources = new("Qtsp.Portal.Resources.Strings", typeof(Strings).Assembly);

    public static MailTexts L { get; } = new();

    public MailText this[string key, params object[] arguments] => new(
        Format(key, Localization.Czech, arguments),
        Format(key, Localization.English, arguments));

    private static string Format(string key, CultureInfo culture, object[] arguments) =>
        string.Format(culture, Resources.GetString(key, culture) ?? throw new KeyNotFoundException(key), arguments);
}

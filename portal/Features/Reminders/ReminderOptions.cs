namespace Qtsp.Portal.Features.Reminders;

/// <summary>Section "Reminders": when holders and representatives are told that certificates end.</summary>
public sealed class ReminderOptions
{
    public const string Section = "Reminders";

    private static readonly int[] DefaultDaysBefore = [21, 7];

    /// <summary>
    /// The thresholds, in days before a certificate's end, at which its holder is mailed ([21, 7] unless configured).
    /// Null until configured: the configuration binder would append configured values to a pre-filled array.
    /// </summary>
    public int[]? DaysBefore { get; set; }

    /// <summary>How long a reminder's renewal link may be used (never past the certificate's end).</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>The day of the week representatives get their digest (in the portal's zone; a later day of the week catches up).</summary>
    public DayOfWeek DigestDay { get; set; } = DayOfWeek.Monday;

    /// <summary>How far ahead the representatives' digest looks.</summary>
    public int DigestDays { get; set; } = 30;

    /// <summary>How often every instance looks whether a reminder is due (the lease decides which instance works).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The portal's address as holders reach it, for the links in the mails.</summary>
    public Uri PortalUrl { get; set; } = new("http://127.0.0.1:5180");

    /// <summary>The thresholds, largest first.</summary>
    public IReadOnlyList<int> Thresholds => [.. (DaysBefore is { Length: > 0 } configured ? configured : DefaultDaysBefore).Distinct().OrderDescending()];

    public bool IsValid => Thresholds.All(d => d is > 0 and <= 366) && LinkLifetime > TimeSpan.Zero && DigestDays is > 0 and <= 366
        && CheckInterval > TimeSpan.Zero && PortalUrl.IsAbsoluteUri;
}

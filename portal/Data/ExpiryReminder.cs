namespace Qtsp.Portal.Data;

/// <summary>
/// An expiry reminder mailed for a certificate at one threshold (days before its end). The unique index on
/// (<see cref="CertificateId"/>, <see cref="ThresholdDays"/>) is what makes it once: the row is inserted in the same
/// transaction as the mail, so of two instances only one can commit.
/// </summary>
public sealed class ExpiryReminder
{
    public long Id { get; set; }

    public long CertificateId { get; set; }

    public int ThresholdDays { get; set; }

    public DateTime SentAtUtc { get; set; }
}

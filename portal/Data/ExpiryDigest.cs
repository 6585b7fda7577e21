namespace Qtsp.Portal.Data;

/// <summary>
/// The weekly digest a company representative was mailed about their applicants' certificates ending soon: one per
/// representative and week (unique), inserted with the mail.
/// </summary>
public sealed class ExpiryDigest
{
    public long Id { get; set; }

    public required string RepresentativeUserId { get; set; }

    /// <summary>The digest day (in the portal's zone) of the week it belongs to.</summary>
    public DateOnly WeekOf { get; set; }

    public int Certificates { get; set; }

    public DateTime SentAtUtc { get; set; }
}

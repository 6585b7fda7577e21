namespace Qtsp.Portal.Data;

/// <summary>
/// A one-time link from an expiry reminder that opens the renewal of one certificate for its holder. Only the SHA-256 of
/// the link's random token is stored; it expires, and using it sets <see cref="UsedAtUtc"/> once.
/// </summary>
public sealed class RenewalLink
{
    public const int TokenHashLength = 32;

    public long Id { get; set; }

    public required byte[] TokenHash { get; set; }

    public long CertificateId { get; set; }

    /// <summary>The holder the link was sent to: only their account may open it.</summary>
    public long ApplicantId { get; set; }

    public DateTime CreatedAtUtc { get; set; }

    public DateTime ExpiresAtUtc { get; set; }

    public DateTime? UsedAtUtc { get; set; }

    public string? UsedBy { get; set; }
}

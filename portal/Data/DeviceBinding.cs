namespace Qtsp.Portal.Data;

/// <summary>
/// The person–device binding: created when the first certificate with its key on the device is issued, checked for
/// every later one; a device carries certificates of one person at a time.
/// </summary>
public sealed class DeviceBinding
{
    public long Id { get; set; }

    public long DeviceId { get; set; }

    public SecureDevice Device { get; set; } = default!;

    public long ApplicantId { get; set; }

    public Applicant Applicant { get; set; } = default!;

    public DateTime CreatedAtUtc { get; set; }

    /// <summary>Who created it (a user name, or "ca" when the CA did on issuance).</summary>
    public required string CreatedBy { get; set; }

    public DateTime? CancelledAtUtc { get; set; }

    public string? CancelledBy { get; set; }

    public string? CancellationReason { get; set; }

    /// <summary>A holder's own cancellation: the request they signed on their token (UTF-8 text, as the portal prepared it).</summary>
    public string? CancellationDocument { get; set; }

    /// <summary>The detached CMS SignedData over <see cref="CancellationDocument"/>, kept as evidence.</summary>
    public byte[]? CancellationSignature { get; set; }

    public bool IsActive => CancelledAtUtc is null;
}

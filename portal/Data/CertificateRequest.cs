namespace Qtsp.Portal.Data;

/// <summary>
/// A certificate request: prepared with the data for issuing (by the applicant's representative or the holder),
/// submitted from the device with the key generated there, verified and issued.
/// </summary>
public sealed class CertificateRequest
{
    public const int RequestNumberLength = 12;

    public long Id { get; set; }

    /// <summary>"BP" (qualified, seal) or "KC" (commercial) followed by 10 digits.</summary>
    public required string RequestNumber { get; set; }

    public CertificateType Type { get; set; }

    public RequestKind Kind { get; set; }

    public RequestStatus Status { get; set; }

    public long ApplicantId { get; set; }

    public Applicant Applicant { get; set; } = default!;

    public long? DeviceId { get; set; }

    public SecureDevice? Device { get; set; }

    /// <summary>The name to put into the certificate.</summary>
    public required string SubjectName { get; set; }

    public required string Email { get; set; }

    public string? Phone { get; set; }

    public int ValidityMonths { get; set; }

    /// <summary>The PKCS#10 request (DER) once sent from the device.</summary>
    public byte[]? Csr { get; set; }

    public const int KeyIdMaxLength = 128;

    /// <summary>The CKA_ID (hex) of the key the request was made for on the device: that key is waiting, not orphaned.</summary>
    public string? KeyIdHex { get; set; }

    public DateTime CreatedAtUtc { get; set; }

    public required string CreatedBy { get; set; }

    public DateTime? SubmittedAtUtc { get; set; }

    public DateTime? DecidedAtUtc { get; set; }

    public string? DecidedBy { get; set; }

    /// <summary>
    /// The EN 319 412-1 semantics identifier for the subject's serialNumber ("PNOCZ-…", "IDCCZ-…"), fixed at the
    /// identity check (or taken over from the certificate renewed).
    /// </summary>
    public string? SubjectSerialNumber { get; set; }

    public const int SubjectSerialNumberMaxLength = 64;

    /// <summary>For a subsequent request: the certificate it renews.</summary>
    public long? RenewsCertificateId { get; set; }

    /// <summary>A renewal paid with a renewal code: the signed application (term, start); issuing it spends the code.</summary>
    public long? RenewalApplicationId { get; set; }

    public string? RejectionReason { get; set; }

    /// <summary>The revocation password's hash, chosen or generated when the request was made; the certificate takes it over.</summary>
    public string? RevocationPasswordHash { get; set; }

    public long? CertificateId { get; set; }

    public Certificate? Certificate { get; set; }
}

public enum RequestKind
{
    /// <summary>The first certificate: the identity is verified in person at a branch.</summary>
    Initial,

    /// <summary>A renewal: the CA checks the person–device binding, no branch visit.</summary>
    Subsequent,
}

public enum RequestStatus
{
    /// <summary>The data for issuing are entered; the applicant has not sent the request from the device yet.</summary>
    Prepared,

    /// <summary>Sent from the device; waits for the identity check (initial) or the CA (subsequent).</summary>
    Submitted,

    /// <summary>The RA verified the identity; the CA may issue.</summary>
    Verified,

    Issued,

    Rejected,

    /// <summary>Withdrawn before issuance.</summary>
    Withdrawn,
}

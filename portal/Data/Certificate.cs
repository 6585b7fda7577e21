using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Data;

/// <summary>An issued certificate as the CA recorded it.</summary>
public sealed class Certificate
{
    public long Id { get; set; }

    /// <summary>The serial number, upper-case hex.</summary>
    public required string SerialNumber { get; set; }

    public required string Issuer { get; set; }

    public required string Subject { get; set; }

    public CertificateType Type { get; set; }

    public DateTime NotBeforeUtc { get; set; }

    public DateTime NotAfterUtc { get; set; }

    public CertificateStatus Status { get; set; }

    public DateTime? RevokedAtUtc { get; set; }

    public string? RevokedBy { get; set; }

    public RevocationReason? RevocationReason { get; set; }

    /// <summary>For keyCompromise: since when the key is known or suspected to be compromised (RFC 5280 invalidityDate).</summary>
    public DateTime? InvalidityDateUtc { get; set; }

    /// <summary>
    /// The revocation password's slow salted hash (set when the request was made, shown once to the holder); anyone who
    /// knows the password may revoke without signing in. Null when none was set.
    /// </summary>
    public string? RevocationPasswordHash { get; set; }

    public const int PasswordHashMaxLength = 200;

    /// <summary>The device holding the certificate's key; null when the key is not on a device the CA knows.</summary>
    public long? DeviceId { get; set; }

    public SecureDevice? Device { get; set; }

    public long ApplicantId { get; set; }

    public Applicant Applicant { get; set; } = default!;

    public required byte[] Der { get; set; }

    /// <summary>The CKA_ID (hex, lower case) of the certificate's key on <see cref="Device"/>: where the certificate is installed.</summary>
    public string? KeyIdHex { get; set; }

    /// <summary>When the holder accepted the certificate after reading its issuance protocol; it is installed then.</summary>
    public DateTime? AcceptedAtUtc { get; set; }

    public string? AcceptedBy { get; set; }

    /// <summary>The record of a certificate just issued (status Issued); the caller links its applicant and device.</summary>
    public static Certificate FromIssued(X509Certificate2 issued, CertificateType type) => new()
    {
        SerialNumber = issued.SerialNumber,
        Issuer = issued.Issuer,
        Subject = issued.Subject,
        Type = type,
        NotBeforeUtc = issued.NotBefore.ToUniversalTime(),
        NotAfterUtc = issued.NotAfter.ToUniversalTime(),
        Status = CertificateStatus.Issued,
        Der = issued.RawData,
    };

    public bool IsValidAt(DateTime utc) => Status == CertificateStatus.Issued && NotBeforeUtc <= utc && utc < NotAfterUtc;
}

public enum CertificateType
{
    /// <summary>Qualified personal certificate (QCA).</summary>
    Qualified,

    /// <summary>Commercial personal certificate (NCP+).</summary>
    Commercial,

    /// <summary>Qualified certificate for an electronic seal (organisation).</summary>
    Seal,
}

public enum CertificateStatus
{
    Issued,
    Revoked,
}

/// <summary>RFC 5280 CRLReason: the numbers are the codes the CRL and OCSP carry. Revocation is final (no certificateHold).</summary>
public enum RevocationReason
{
    Unspecified = 0,
    KeyCompromise = 1,
    AffiliationChanged = 3,
    Superseded = 4,
    CessationOfOperation = 5,
    PrivilegeWithdrawn = 9,
}

namespace Qtsp.Portal.Data;

/// <summary>Where the key of a certificate bought with a renewal code lives.</summary>
public enum KeyMedium
{
    /// <summary>On the holder's card or token, generated there through the agent.</summary>
    Card,

    /// <summary>In the CA's HSM, generated and held there for the holder (remote signing).</summary>
    Cloud,
}

/// <summary>
/// Prepaid renewal codes made at once by staff for a product (certificate type, term, key medium), sold through a sales
/// channel. Each code is shown once when the batch is made; only its keyed hash is stored.
/// </summary>
public sealed class RenewalCodeBatch
{
    public const int ReferenceLength = 19;

    public long Id { get; set; }

    /// <summary>"RCB-" and 15 characters: names the batch in audit, CSV and the renewal application, never a code.</summary>
    public required string Reference { get; set; }

    public CertificateType Product { get; set; }

    public int TermMonths { get; set; }

    public KeyMedium Medium { get; set; }

    public int Count { get; set; }

    /// <summary>No code of the batch is accepted from this instant on.</summary>
    public DateTime ExpiresAtUtc { get; set; }

    public DateTime CreatedAtUtc { get; set; }

    public required string CreatedBy { get; set; }
}

/// <summary>One renewal code: its keyed hash (HMAC-SHA256 with a key outside the database), spent once with the issuance it paid for.</summary>
public sealed class RenewalCode
{
    public const int HashLength = 32;

    public long Id { get; set; }

    public long BatchId { get; set; }

    public RenewalCodeBatch Batch { get; set; } = default!;

    public required byte[] CodeHash { get; set; }

    /// <summary>Set by the one conditional update that spends the code, in the transaction that records the certificate.</summary>
    public DateTime? RedeemedAtUtc { get; set; }

    public string? RedeemedBy { get; set; }

    public long? ApplicationId { get; set; }

    public long? CertificateId { get; set; }
}

/// <summary>
/// The renewal application a holder signed with their current qualified certificate to redeem a code: the text the portal
/// prepared, the detached CMS over it, and what it asks for (term, medium, start). Kept as evidence.
/// </summary>
public sealed class RenewalApplication
{
    public const int ReferenceLength = 19;

    public long Id { get; set; }

    public required string Reference { get; set; }

    public long RenewalCodeId { get; set; }

    public long ApplicantId { get; set; }

    /// <summary>The current certificate that is renewed (and signed the application).</summary>
    public long RenewsCertificateId { get; set; }

    public int TermMonths { get; set; }

    public KeyMedium Medium { get; set; }

    /// <summary>The new certificate's notBefore: the signing moment, or the renewed certificate's notAfter.</summary>
    public DateTime NotBeforeUtc { get; set; }

    public bool StartsAfterCurrent { get; set; }

    public required string Document { get; set; }

    public required byte[] Signature { get; set; }

    public DateTime SignedAtUtc { get; set; }

    public string? Email { get; set; }

    public string? Phone { get; set; }

    /// <summary>The certificate issued for the application, once it is.</summary>
    public long? CertificateId { get; set; }
}

/// <summary>A key pair the CA generated in its HSM for a holder (cloud medium): non-extractable, used only through PKCS#11.</summary>
public sealed class CloudKey
{
    public const int KeyIdMaxLength = 128;

    public long Id { get; set; }

    public long ApplicantId { get; set; }

    /// <summary>The key's CKA_ID (hex) in the token.</summary>
    public required string KeyIdHex { get; set; }

    public long? CertificateId { get; set; }

    public DateTime CreatedAtUtc { get; set; }
}

namespace Qtsp.Portal.Data;

/// <summary>
/// The RA operator's verification of an applicant's identity in person, for one initial request: the document seen
/// and the checks done. Kept for the CA's records whatever the decision.
/// </summary>
public sealed class IdentityCheck
{
    public const int DocumentNumberMaxLength = 32;

    public long Id { get; set; }

    public long RequestId { get; set; }

    public CertificateRequest Request { get; set; } = default!;

    public IdentityDocumentType DocumentType { get; set; }

    /// <summary>Upper case, without spaces.</summary>
    public required string DocumentNumber { get; set; }

    /// <summary>ISO 3166-1 alpha-2 of the issuing state.</summary>
    public required string IssuingCountry { get; set; }

    public DateOnly ValidUntil { get; set; }

    /// <summary>The photograph matches the person present.</summary>
    public bool PhotoMatches { get; set; }

    /// <summary>The document shows no sign of forgery or damage.</summary>
    public bool DocumentGenuine { get; set; }

    /// <summary>Name and date of birth (or personal number) agree with the request.</summary>
    public bool DataMatch { get; set; }

    public string? Note { get; set; }

    public DateTime CheckedAtUtc { get; set; }

    public required string CheckedBy { get; set; }
}

public enum IdentityDocumentType
{
    IdentityCard,
    Passport,
    ResidencePermit,
}

namespace Qtsp.Portal.Ca;

/// <summary>The answer to an <see cref="IssuanceRequest"/>: <see cref="IssuedCertificate"/> or <see cref="IssuanceRefused"/>.</summary>
public abstract record IssuanceResult;

/// <summary>A certificate issued by <see cref="CaName"/>; <see cref="SerialNumber"/> is upper-case hex as X509Certificate2 shows it.</summary>
public sealed record IssuedCertificate(byte[] Der, string SerialNumber, string CaName) : IssuanceResult;

public sealed record IssuanceRefused(IssuanceRefusalReason Reason) : IssuanceResult;

public enum IssuanceRefusalReason
{
    /// <summary>The SubjectPublicKeyInfo is not a well-formed RSA or EC key.</summary>
    MalformedPublicKey,

    /// <summary>Neither RSA nor EC.</summary>
    UnsupportedKeyAlgorithm,

    /// <summary>RSA shorter than 2048 bits, or an exponent below 65537.</summary>
    WeakRsaKey,

    /// <summary>An EC curve other than P-256 or P-384.</summary>
    UnsupportedCurve,

    /// <summary>A key from a PKCS#12 file asked for a qualified certificate.</summary>
    QualifiedFromPkcs12Import,

    /// <summary>A key from a PKCS#12 file claimed to be on a QSCD or secure device.</summary>
    DeviceClaimForPkcs12Import,

    /// <summary>A required subject attribute is missing or malformed (e.g. the serialNumber is not in EN 319 412-1 form).</summary>
    InvalidSubject,

    /// <summary>notAfter not after notBefore, longer than allowed, or beyond the issuing CA's own validity.</summary>
    InvalidValidity,
}

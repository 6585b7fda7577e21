namespace Qtsp.Portal.Ca;

/// <summary>
/// What to certify: the public key from the verified PKCS#10 request (its DER SubjectPublicKeyInfo), whom, under which
/// profile and for how long. <see cref="NotBefore"/> may lie in the future (a renewal that starts when the old one ends).
/// </summary>
public sealed record IssuanceRequest(
    ReadOnlyMemory<byte> SubjectPublicKeyInfo,
    CertificateSubject Subject,
    CertificateProfile Profile,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    VerifiedKeyFacts Facts);

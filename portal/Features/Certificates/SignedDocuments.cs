using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Certificates;

/// <summary>Why a document signed on the holder's token is not accepted.</summary>
public enum SignedDocumentRefusal
{
    /// <summary>Not a detached CMS SignedData with exactly one signer and its certificate.</summary>
    Malformed,

    /// <summary>The signature does not cover this document (another text, a changed one, or a broken signature).</summary>
    SignatureInvalid,

    /// <summary>No signing time, or one outside the time the document was out for signing.</summary>
    SigningTimeOutOfRange,

    /// <summary>The signer's certificate is not one this CA has on record.</summary>
    UnknownSigner,

    /// <summary>The certificate is on record but does not chain to this CA's root.</summary>
    ChainInvalid,

    /// <summary>The certificate belongs to someone else.</summary>
    NotTheHolders,

    /// <summary>Revoked, expired or not yet valid.</summary>
    SignerNotValid,

    /// <summary>The certificate is not certified for signatures (digitalSignature or nonRepudiation).</summary>
    NotForSigning,
}

/// <summary>The signer of an accepted document: the certificate on record.</summary>
public sealed record DocumentSigner(long CertificateId, string SerialNumber, CertificateType Type, string Sha256);

public sealed record SignedDocumentCheck(DocumentSigner? Signer, SignedDocumentRefusal? Refusal)
{
    public bool Accepted => Signer is not null;
}

/// <summary>
/// Checks a document the holder signed on their token (the agent's <c>SignDocument</c>) before the portal acts on it:
/// the detached CMS covers exactly the text the portal prepared, the signing time falls within the signing window, the
/// signer's certificate is byte for byte one this CA issued to that holder, chains to the CA's root, is valid and not
/// revoked now (the registry is what OCSP answers from), and is certified for signatures.
/// </summary>
public sealed class SignedDocuments(CertificatesOfRecord records, TimeProvider time)
{
    /// <summary>How far the token's PC clock may be off the portal's.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public async Task<SignedDocumentCheck> VerifyAsync(byte[] document, byte[] cms, long holderApplicantId, DateTimeOffset preparedAt)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(cms);
        var signed = new SignedCms(new ContentInfo(document), detached: true);
        try
        {
            signed.Decode(cms);
        }
        catch (CryptographicException)
        {
            return Refused(SignedDocumentRefusal.Malformed);
        }

        if (signed.SignerInfos.Count != 1 || signed.SignerInfos[0].Certificate is not { } signer)
        {
            return Refused(SignedDocumentRefusal.Malformed);
        }

        var signerInfo = signed.SignerInfos[0];
        try
        {
            // Checks the signed attributes' message digest against this document and the signature over them.
            signerInfo.CheckSignature(verifySignatureOnly: true);
        }
        catch (CryptographicException)
        {
            return Refused(SignedDocumentRefusal.SignatureInvalid);
        }

        var now = time.GetUtcNow();
        var signingTime = signerInfo.SignedAttributes.Cast<CryptographicAttributeObject>()
            .SelectMany(a => a.Values.Cast<AsnEncodedData>())
            .OfType<Pkcs9SigningTime>()
            .Select(t => (DateTimeOffset?)new DateTimeOffset(t.SigningTime.ToUniversalTime(), TimeSpan.Zero))
            .FirstOrDefault();
        if (signingTime is not { } signedAt || signedAt < preparedAt - ClockSkew || signedAt > now + ClockSkew)
        {
            return Refused(SignedDocumentRefusal.SigningTimeOutOfRange);
        }

        var check = await records.CheckAsync(signer, now).ConfigureAwait(false);
        if (check.Record is not { } record)
        {
            return Refused(SignedDocumentRefusal.UnknownSigner);
        }

        if (check.Refusal == RecordRefusal.ChainInvalid)
        {
            return Refused(SignedDocumentRefusal.ChainInvalid);
        }

        if (record.ApplicantId != holderApplicantId)
        {
            return Refused(SignedDocumentRefusal.NotTheHolders);
        }

        if (check.Refusal is { } refusal)
        {
            return Refused(refusal == RecordRefusal.NotValid ? SignedDocumentRefusal.SignerNotValid : SignedDocumentRefusal.NotForSigning);
        }

        var der = signer.RawData;
        return new SignedDocumentCheck(new DocumentSigner(record.Id, record.SerialNumber, record.Type, Convert.ToHexString(SHA256.HashData(der))), null);
    }

    private static SignedDocumentCheck Refused(SignedDocumentRefusal refusal) => new(null, refusal);
}

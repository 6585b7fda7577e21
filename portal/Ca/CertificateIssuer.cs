using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Portal.Ca.Profiles;
using Qtsp.Portal.Infrastructure.Observability;

namespace Qtsp.Portal.Ca;

/// <summary>
/// Checks an <see cref="IssuanceRequest"/> against the rules and signs the certificate with the profile's issuing CA.
/// It does not care where the CA keys are: the embedded CA gives it token-backed signers, a benchmark in-memory ones.
/// </summary>
public sealed class CertificateIssuer(
    IssuingCa qualifiedCa,
    IssuingCa commercialCa,
    CaOptions options,
    PkiOptions pki,
    IIssuedSerialNumbers serialNumbers,
    TimeProvider time)
{
    private const int SerialNumberBytes = 16;

    /// <summary>A notBefore this far in the past is clock skew between the portal's steps, not backdating.</summary>
    private static readonly TimeSpan AllowedBackdating = TimeSpan.FromMinutes(5);

    public async Task<IssuanceResult> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var profile = request.Profile.ToString();
        using var activity = PortalTelemetry.Source.StartActivity("ca.issue");
        activity?.SetTag("qtsp.ca.profile", profile);
        var result = await CheckAndSignAsync(request, cancellationToken).ConfigureAwait(false);
        switch (result)
        {
            case IssuedCertificate issued:
                CaMetrics.CertificateIssued(profile, issued.CaName);
                activity?.SetTag("qtsp.ca.name", issued.CaName);
                break;
            case IssuanceRefused refused:
                CaMetrics.IssuanceRefused(profile, refused.Reason.ToString());
                activity?.SetTag("qtsp.ca.refusal", refused.Reason.ToString());
                break;
        }

        return result;
    }

    private async Task<IssuanceResult> CheckAndSignAsync(IssuanceRequest request, CancellationToken cancellationToken)
    {
        if (Refusal(request) is { } refusal)
        {
            return new IssuanceRefused(refusal);
        }

        var key = PublicKeyPolicy.Check(request.SubjectPublicKeyInfo);
        if (key.Refusal is { } keyRefusal)
        {
            return new IssuanceRefused(keyRefusal);
        }

        var ca = request.Profile == CertificateProfile.QualifiedNaturalPerson ? qualifiedCa : commercialCa;
        if (!IsValidityAcceptable(request, ca.Certificate))
        {
            return new IssuanceRefused(IssuanceRefusalReason.InvalidValidity);
        }

        var certificateRequest = new CertificateRequest(SubjectNames.Build(request.Subject), key.Key!, HashAlgorithmName.SHA256);
        foreach (var extension in ProfileExtensions.For(request, key.Kind, options))
        {
            certificateRequest.CertificateExtensions.Add(extension);
        }

        certificateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(key.Key!, critical: false));
        certificateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        certificateRequest.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([CaNames.OcspUrl(pki).AbsoluteUri], [CaNames.CertificateUrl(pki, ca.Name).AbsoluteUri]));
        certificateRequest.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([CaNames.CrlUrl(pki, ca.Name).AbsoluteUri]));

        var serial = await NewSerialNumberAsync(cancellationToken).ConfigureAwait(false);
        var signing = Stopwatch.GetTimestamp();
        using var certificate = certificateRequest.Create(ca.Certificate.SubjectName, ca.Signer, request.NotBefore, request.NotAfter, serial);
        CaMetrics.SignatureMade("certificate", Stopwatch.GetElapsedTime(signing));
        return new IssuedCertificate(certificate.RawData, certificate.SerialNumber, ca.Name);
    }

    private static IssuanceRefusalReason? Refusal(IssuanceRequest request)
    {
        var facts = request.Facts;
        if (facts.FromPkcs12Import && request.Profile == CertificateProfile.QualifiedNaturalPerson)
        {
            return IssuanceRefusalReason.QualifiedFromPkcs12Import;
        }

        if (facts.FromPkcs12Import && (facts.KeyOnQscd || facts.KeyOnSecureDevice))
        {
            return IssuanceRefusalReason.DeviceClaimForPkcs12Import;
        }

        return SubjectNames.IsValidFor(request.Subject, request.Profile) ? null : IssuanceRefusalReason.InvalidSubject;
    }

    private bool IsValidityAcceptable(IssuanceRequest request, X509Certificate2 ca) =>
        request.NotAfter > request.NotBefore
        && request.NotAfter - request.NotBefore <= TimeSpan.FromDays(options.MaxValidityDays)
        && request.NotBefore >= time.GetUtcNow() - AllowedBackdating
        && request.NotBefore >= ca.NotBefore
        && request.NotAfter <= ca.NotAfter;

    /// <summary>16 random bytes, the first in 0x40–0x7F: positive, never shortened by DER, 126 bits of randomness.</summary>
    private async Task<byte[]> NewSerialNumberAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var serial = RandomNumberGenerator.GetBytes(SerialNumberBytes);
            serial[0] = (byte)((serial[0] & 0x3F) | 0x40);
            if (!await serialNumbers.IsTakenAsync(Convert.ToHexString(serial), cancellationToken).ConfigureAwait(false))
            {
                return serial;
            }
        }
    }
}

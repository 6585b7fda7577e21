namespace Qtsp.Portal.Ca;

/// <summary>
/// Issues end-entity certificates. The embedded CA implements it; an external CA (an RA interface of another
/// provider's engine) could take its place without the portal noticing.
/// </summary>
public interface ICertificateAuthority
{
    /// <summary>Issues a certificate, or refuses with a reason; a refusal is an answer, not an exception.</summary>
    Task<IssuanceResult> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken = default);

    /// <summary>The CA certificates to publish (DER), by their public name ("root-ca", "qualified-ca", …).</summary>
    Task<IReadOnlyDictionary<string, byte[]>> GetCaCertificatesAsync(CancellationToken cancellationToken = default);
}

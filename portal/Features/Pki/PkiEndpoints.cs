using Qtsp.Portal.Ca;

namespace Qtsp.Portal.Features.Pki;

/// <summary>
/// The public PKI files under /pki: the CA certificates (DER) that issued certificates name in their AIA caIssuers.
/// Anyone may fetch them, without signing in; relying parties and `openssl verify` do.
/// </summary>
public static class PkiEndpoints
{
    public const string CertificateContentType = "application/pkix-cert";

    public static IEndpointRouteBuilder MapPkiEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/pki/{name}.crt", async (string name, ICertificateAuthority authority, HttpContext http, CancellationToken cancellationToken) =>
        {
            var certificates = await authority.GetCaCertificatesAsync(cancellationToken).ConfigureAwait(false);
            if (!certificates.TryGetValue(name, out var der))
            {
                return Results.NotFound();
            }

            // A CA certificate changes only when the CA is replaced: caches may keep it for a day.
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.File(der, CertificateContentType, $"{name}.crt");
        }).AllowAnonymous();
        return endpoints;
    }
}

using System.Globalization;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Ca.Revocation;

namespace Qtsp.Portal.Features.Pki;

/// <summary>
/// The public PKI files under /pki: the CA certificates (DER) that issued certificates name in their AIA caIssuers, the
/// CAs' CRLs their CRL distribution points name, and the OCSP responder their AIA names. Anyone may fetch them, without
/// signing in; relying parties and `openssl verify` / `openssl ocsp` do.
/// </summary>
public static class PkiEndpoints
{
    public const string CertificateContentType = "application/pkix-cert";
    public const string CrlContentType = "application/pkix-crl";

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

        endpoints.MapGet("/pki/{name}.crl", async (string name, CrlPublisher publisher, TimeProvider time, Microsoft.Extensions.Options.IOptions<PkiOptions> pki, HttpContext http, CancellationToken cancellationToken) =>
        {
            var crl = await publisher.GetCurrentAsync(name, cancellationToken).ConfigureAwait(false);
            if (crl is null)
            {
                return Results.NotFound();
            }

            // Never cached beyond its nextUpdate, and not long at all: a revocation shows in the next CRL within seconds.
            var left = crl.NextUpdateUtc - time.GetUtcNow().UtcDateTime;
            var maxAge = (long)Math.Max(0, Math.Min(left.TotalSeconds, pki.Value.CrlCacheMaxAge.TotalSeconds));
            http.Response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"public, max-age={maxAge}");
            return Results.File(crl.Der, CrlContentType, $"{name}.crl", lastModified: new DateTimeOffset(crl.ThisUpdateUtc, TimeSpan.Zero));
        }).AllowAnonymous();

        endpoints.MapPost("/pki/ocsp", async (HttpContext http, OcspResponder responder, CancellationToken cancellationToken) =>
        {
            byte[] response;
            if (http.Request.ContentLength > OcspResponder.MaxRequestBytes)
            {
                response = OcspResponder.Status(OcspResponseStatus.MalformedRequest);
            }
            else
            {
                using var body = new MemoryStream();
                await http.Request.Body.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
                response = body.Length > OcspResponder.MaxRequestBytes
                    ? OcspResponder.Status(OcspResponseStatus.MalformedRequest)
                    : await responder.RespondAsync(body.GetBuffer().AsMemory(0, (int)body.Length), cancellationToken).ConfigureAwait(false);
            }

            http.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(response, OcspResponder.ResponseContentType);
        }).AllowAnonymous().DisableAntiforgery();

        // RFC 6960 Appendix A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}.
        endpoints.MapGet("/pki/ocsp/{**request}", async (string? request, OcspResponder responder, HttpContext http, CancellationToken cancellationToken) =>
        {
            byte[]? der = null;
            if (request is { Length: > 0 and <= OcspResponder.MaxRequestBytes * 2 })
            {
                var base64 = Uri.UnescapeDataString(request);
                der = new byte[base64.Length];
                der = Convert.TryFromBase64String(base64, der, out var written) ? der[..written] : null;
            }

            var response = der is null ? OcspResponder.Status(OcspResponseStatus.MalformedRequest) : await responder.RespondAsync(der, cancellationToken).ConfigureAwait(false);
            http.Response.Headers.CacheControl = "public, max-age=60";
            return Results.Bytes(response, OcspResponder.ResponseContentType);
        }).AllowAnonymous();
        return endpoints;
    }
}

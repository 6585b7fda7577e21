using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Qtsp.Portal.AgentBridge;

namespace Qtsp.Portal.Infrastructure.Hosting;

/// <summary>
/// A random value per response that marks the page's import map (the one inline script, written by Blazor's ImportMap
/// component in App.razor) as the portal's own for the Content-Security-Policy.
/// </summary>
public sealed class CspNonce
{
    public string Value { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
}

public sealed class HstsSettings
{
    public const string Section = "Hosting";

    /// <summary>How long a browser that saw the portal over HTTPS keeps to HTTPS (Strict-Transport-Security max-age).</summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}

/// <summary>The headers every response of the portal carries: pages, static files, errors and redirects alike.</summary>
public static class SecurityHeaders
{
    public const string PermissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), hid=(), serial=()";

    /// <summary>
    /// The policy for a page served over <paramref name="scheme"/> to <paramref name="host"/> (host[:port], as host
    /// filtering let it in) whose pages reach the agent at <paramref name="agentUrl"/>. Each source below was measured in
    /// Chromium on every page (e2e ContentSecurityPolicyTests).
    /// </summary>
    /// <param name="directoryOrigin">The Entra sign-in's directory, where the account page's linking form is sent on to.</param>
    public static string ContentSecurityPolicy(string nonce, string scheme, string? host, Uri agentUrl, string? directoryOrigin = null)
    {
        var pageSocket = string.IsNullOrEmpty(host) ? "" : $" {(scheme == Uri.UriSchemeHttps ? "wss" : "ws")}://{host}";
        var agentOrigin = $"{agentUrl.Scheme}://{agentUrl.Authority}";
        var agentSocket = $"{(agentUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws")}://{agentUrl.Authority}";
        return string.Join("; ",
            "default-src 'self'",
            // The portal's own script files; the nonce admits only the import map Blazor writes into the page.
            $"script-src 'self' 'nonce-{nonce}'",
            // MudBlazor writes style attributes into its markup (popover positions, grid widths, progress bars) and
            // MudThemeProvider a <style> element with the theme's variables: neither can
            // carry a nonce, so inline styles are allowed. Styles run no code; scripts stay strictly the portal's.
            "style-src 'self' 'unsafe-inline'",
            // The authenticator's QR code is a data: PNG made on the server (AuthenticatorQr).
            "img-src 'self' data:",
            "font-src 'self'",
            // The circuit's WebSocket ('self' covers ws/wss only in newer browsers) and the token agent on the user's PC
            // (negotiate over HTTP, then its WebSocket).
            $"connect-src 'self'{pageSocket} {agentOrigin} {agentSocket}",
            "object-src 'none'",
            "base-uri 'self'",
            directoryOrigin is null ? "form-action 'self'" : $"form-action 'self' {directoryOrigin}",
            "frame-ancestors 'none'");
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var agentUrl = new Uri(app.ApplicationServices.GetRequiredService<IOptions<AgentBridgeOptions>>().Value.Url, UriKind.Absolute);
        var hsts = app.ApplicationServices.GetRequiredService<IOptions<HstsSettings>>().Value;
        var directoryOrigin = app.ApplicationServices.GetRequiredService<IOptions<Features.Account.EntraSignIn.EntraSettings>>().Value.AuthorityOrigin;
        var hstsValue = $"max-age={(long)hsts.HstsMaxAge.TotalSeconds}; includeSubDomains";
        return app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                var request = context.Request;
                var nonce = context.RequestServices.GetRequiredService<CspNonce>().Value;
                headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce, request.Scheme, request.Host.HasValue ? request.Host.ToUriComponent() : null, agentUrl, directoryOrigin);
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                headers["Permissions-Policy"] = PermissionsPolicy;
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                // IsHttps reflects the browser's connection: TLS here, or X-Forwarded-Proto from a configured proxy.
                if (request.IsHttps)
                {
                    headers.StrictTransportSecurity = hstsValue;
                }

                return Task.CompletedTask;
            });
            return next(context);
        });
    }
}

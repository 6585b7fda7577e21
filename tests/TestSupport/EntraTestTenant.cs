using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Qtsp.TestSupport;

/// <summary>A person of the test tenant, as the provider signs them in at its next authorisation request.</summary>
/// <param name="TenantId">The "tid" claim: normally the provider's own tenant; another one imitates a token of a foreign directory.</param>
/// <param name="Methods">The "amr" claim: "mfa" says the directory checked a second factor.</param>
public sealed record EntraTestUser(string ObjectId, string UserName, string DisplayName, string TenantId, IReadOnlyList<string> Methods);

/// <summary>
/// A real OpenID Connect provider on loopback (OpenIddict's server, authorisation code flow with PKCE, signed ID tokens)
/// laid out as a Microsoft Entra ID tenant is: issuer and discovery under <c>{instance}{tenant}/v2.0</c>, ID tokens with
/// "tid", "oid", "preferred_username" and "amr". The portal's Entra sign-in (Microsoft.Identity.Web) talks to it as to
/// Entra ID. There is no login form: the authorisation endpoint signs in <see cref="NextUser"/>, as a directory would
/// sign in whoever is signed in to it in that browser.
/// </summary>
public sealed class EntraTestTenant : IAsyncDisposable
{
    private readonly WebApplication _app;
    private EntraTestUser? _nextUser;

    private EntraTestTenant(WebApplication app, Uri instance, string tenantId, string clientId, string clientSecret)
    {
        _app = app;
        Instance = instance;
        TenantId = tenantId;
        ClientId = clientId;
        ClientSecret = clientSecret;
    }

    /// <summary>Where the tenant's endpoints are, as Entra's "https://login.microsoftonline.com/".</summary>
    public Uri Instance { get; }

    public string TenantId { get; }

    public string ClientId { get; }

    public string ClientSecret { get; }

    public string Issuer => $"{Instance}{TenantId}/v2.0";

    /// <summary>How many ID tokens the token endpoint gave out.</summary>
    public int TokensIssued => _tokensIssued;

    private int _tokensIssued;

    /// <summary>Who the next authorisation request signs in; null refuses it (access_denied, as a cancelled sign-in).</summary>
    public EntraTestUser? NextUser
    {
        get => Volatile.Read(ref _nextUser);
        set => Volatile.Write(ref _nextUser, value);
    }

    public EntraTestUser NewUser(string userName, bool multiFactor = true, string? tenantId = null) =>
        new(Guid.NewGuid().ToString("D"), userName, userName, tenantId ?? TenantId, multiFactor ? ["pwd", "mfa"] : ["pwd"]);

    /// <summary>The portal's settings for this tenant (command-line arguments).</summary>
    public string[] PortalArguments() =>
    [
        "--Entra:Instance", Instance.ToString(),
        "--Entra:TenantId", TenantId,
        "--Entra:ClientId", ClientId,
        "--Entra:ClientSecret", ClientSecret,
        "--Entra:RequireHttpsMetadata", "false",
    ];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _replyOrigins = new(StringComparer.Ordinal);

    /// <summary>Registers a portal's origin as a reply URL of the app (only registered ones get an answer).</summary>
    public void AllowReplyTo(Uri portal)
    {
        ArgumentNullException.ThrowIfNull(portal);
        _replyOrigins[portal.GetLeftPart(UriPartial.Authority)] = true;
    }

    private bool IsReplyUrl(string? redirectUri) =>
        Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) && _replyOrigins.ContainsKey(uri.GetLeftPart(UriPartial.Authority));

    public static async Task<EntraTestTenant> StartAsync()
    {
        var port = LoopbackPorts.Free();
        var instance = new Uri($"http://127.0.0.1:{port}/");
        var tenantId = Guid.NewGuid().ToString("D");
        var clientId = Guid.NewGuid().ToString("D");
        var clientSecret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        EntraTestTenant? tenant = null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(instance.ToString());
        builder.Logging.ClearProviders();
        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetIssuer(new Uri($"{instance}{tenantId}/v2.0"));
            server.SetConfigurationEndpointUris($"{tenantId}/v2.0/.well-known/openid-configuration")
                .SetJsonWebKeySetEndpointUris($"{tenantId}/discovery/v2.0/keys")
                .SetAuthorizationEndpointUris($"{tenantId}/oauth2/v2.0/authorize")
                .SetTokenEndpointUris($"{tenantId}/oauth2/v2.0/token");
            server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess);
            server.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
            // No database: the app registration is the one client below, checked by the handlers.
            server.EnableDegradedMode();
            server.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();

            server.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (context.ClientId != clientId)
                {
                    context.Reject(Errors.InvalidClient, "Unknown application.");
                }
                else if (!tenant!.IsReplyUrl(context.RedirectUri))
                {
                    context.Reject(Errors.InvalidRequest, "The reply URL is not registered for the application.");
                }

                return default;
            }));
            server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (context.ClientId != clientId || context.ClientSecret != clientSecret)
                {
                    context.Reject(Errors.InvalidClient, "The client credentials are wrong.");
                }

                return default;
            }));
            server.AddEventHandler<OpenIddictServerEvents.HandleTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                Interlocked.Increment(ref tenant!._tokensIssued);
                return default;
            }));
        });

        var app = builder.Build();
        app.MapMethods($"/{tenantId}/oauth2/v2.0/authorize", [HttpMethods.Get, HttpMethods.Post], (HttpContext http) =>
        {
            if (tenant!.NextUser is not { } user)
            {
                return Results.Forbid(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            }

            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.PreferredUsername, Claims.Role);
            identity.AddClaim(new Claim(Claims.Subject, $"{user.TenantId}:{user.ObjectId}"));
            identity.AddClaim(new Claim("oid", user.ObjectId));
            identity.AddClaim(new Claim("tid", user.TenantId));
            identity.AddClaim(new Claim(Claims.PreferredUsername, user.UserName));
            identity.AddClaim(new Claim(Claims.Name, user.DisplayName));
            foreach (var method in user.Methods)
            {
                identity.AddClaim(new Claim(Claims.AuthenticationMethodReference, method));
            }

            foreach (var claim in identity.Claims)
            {
                claim.SetDestinations(Destinations.IdentityToken);
            }

            var principal = new ClaimsPrincipal(identity);
            principal.SetScopes(http.GetOpenIddictServerRequest()?.GetScopes() ?? []);
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });

        await app.StartAsync();
        tenant = new EntraTestTenant(app, instance, tenantId, clientId, clientSecret);
        return tenant;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.Identity.Web;

namespace Qtsp.Portal.Features.Account.EntraSignIn;

/// <summary>
/// Sign-in with the organisation's Microsoft Entra ID through Microsoft.Identity.Web's OpenID Connect handler: the
/// authorisation code flow with PKCE, the ID token checked by the handler (keys and issuer from the tenant's metadata,
/// audience, nonce, lifetime), then only the outcome in the portal's external cookie, which <see cref="EntraEndpoints"/>
/// turns into a portal sign-in of the linked account (<see cref="EntraSignIns"/>).
/// </summary>
public static partial class EntraSetup
{
    public const string Scheme = "Entra";

    public static IServiceCollection AddPortalEntraSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(EntraSettings.Section);
        services.AddOptions<EntraSettings>().Bind(section);
        services.AddScoped<EntraSignIns>();
        var settings = section.Get<EntraSettings>() ?? new EntraSettings();
        if (!settings.Enabled)
        {
            return services;
        }

        services.AddAuthentication().AddMicrosoftIdentityWebApp(identity =>
        {
            section.Bind(identity);
            identity.Instance = string.IsNullOrWhiteSpace(identity.Instance) ? new EntraSettings().Instance! : identity.Instance;
            identity.TenantId = string.IsNullOrWhiteSpace(identity.TenantId) ? new EntraSettings().TenantId : identity.TenantId;
        }, openIdConnectScheme: Scheme, cookieScheme: null);

        // After Identity.Web's own configuration of the handler, before the framework completes it.
        services.Configure<OpenIdConnectOptions>(Scheme, oidc =>
        {
            oidc.SignInScheme = IdentityConstants.ExternalScheme;
            oidc.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            oidc.TokenValidationParameters.IssuerValidator = EntraIssuer.For(settings.Instance ?? new EntraSettings().Instance!, settings.TenantId);
            oidc.TokenValidationParameters.ValidateAudience = true;
            oidc.TokenValidationParameters.ValidAudience = settings.ClientId;
            oidc.ResponseType = "code";
            oidc.UsePkce = true;
            // The answer comes back as a top-level GET, so the correlation and nonce cookies can be SameSite=Lax (a
            // form_post from the directory's site would need SameSite=None, which browsers drop without HTTPS).
            oidc.ResponseMode = "query";
            oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
            oidc.NonceCookie.SameSite = SameSiteMode.Lax;
            // Secure whenever the portal is served over HTTPS (always, but for loopback tests and the demo).
            oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.SaveTokens = false;
            oidc.MapInboundClaims = false;
            oidc.Scope.Clear();
            oidc.Scope.Add("openid");
            oidc.Scope.Add("profile");
            // A cancelled or refused sign-in at the directory, or an answer that does not validate, lands on the
            // sign-in page with a message instead of an error page.
            oidc.Events.OnRemoteFailure = context =>
            {
                var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EntraSetup).FullName!);
                LogRemoteFailure(logger, context.Failure?.Message ?? "unknown");
                var link = context.Properties?.Items.ContainsKey(EntraEndpoints.LinkItem) == true;
                context.Response.Redirect(link ? $"{AccountPaths.Account}?entra={EntraLinkOutcome.Failed}" : $"{AccountSetup.LoginPath}?entra={EntraSignInOutcome.Failed}");
                context.HandleResponse();
                return Task.CompletedTask;
            };
        });
        return services;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A sign-in with Entra ID did not complete: {Reason}")]
    private static partial void LogRemoteFailure(ILogger logger, string reason);
}

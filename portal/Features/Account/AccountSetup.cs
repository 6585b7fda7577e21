using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;

namespace Qtsp.Portal.Features.Account;

/// <summary>Local accounts (ASP.NET Core Identity): password policy, lockout, TOTP second factor, cookies, roles, policies.</summary>
public static class AccountSetup
{
    public const string LoginPath = "/account/login";
    public const string CookieName = "qtsp.session";
    public const int UserNameMaxLength = 256;
    public const int PasswordMaxLength = 128;

    public static readonly TimeSpan LockoutTime = TimeSpan.FromMinutes(15);
    public const int MaxFailedAttempts = 5;

    public static IServiceCollection AddPortalAccounts(this IServiceCollection services)
    {
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthenticationState>();
        services.AddAuthentication(options =>
        {
            options.DefaultScheme = IdentityConstants.ApplicationScheme;
            options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
        }).AddIdentityCookies();

        services.AddIdentityCore<PortalUser>(options =>
            {
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = true;
                options.Password.RequireLowercase = true;
                options.Password.RequireUppercase = true;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 5;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = MaxFailedAttempts;
                options.Lockout.DefaultLockoutTimeSpan = LockoutTime;
                options.User.RequireUniqueEmail = false;
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";
                options.SignIn.RequireConfirmedAccount = false;
                options.Tokens.AuthenticatorTokenProvider = SingleUseAuthenticator.ProviderName;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddUserStore<PortalUserStore>()
            .AddSignInManager<PortalSignInManager>()
            .AddDefaultTokenProviders()
            .AddTokenProvider<SingleUseAuthenticator>(SingleUseAuthenticator.ProviderName);

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = CookieName;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = LoginPath;
            cookie.LogoutPath = "/account/logout";
            cookie.AccessDeniedPath = "/account/denied";
            // Signing in on the sign-in page redirects to its raw ReturnUrl: only a local ASCII path may reach the Location.
            // Every request with the cookie checks its sign-in's server-side record (cached for a few seconds per instance):
            // a cookie of a sign-in that was ended — signed out, password changed, reset, idle — is refused and removed.
            var validateStamp = cookie.Events.OnValidatePrincipal;
            cookie.Events.OnValidatePrincipal = async context =>
            {
                await validateStamp(context).ConfigureAwait(false);
                if (context.Principal is not { } principal)
                {
                    return;
                }

                var sessions = context.HttpContext.RequestServices.GetRequiredService<SignInSessions>();
                long? record;
                try
                {
                    record = await sessions.CheckAsync(SignInSessions.TokenOf(principal), principal.FindFirstValue(ClaimTypes.NameIdentifier), activity: true).ConfigureAwait(false);
                }
                catch (Infrastructure.DataUnavailableException)
                {
                    // The database is away: the sign-in is neither confirmed nor ended (the cookie is kept). The page that
                    // needs data says "try again, nothing changed" (503); nothing without the database is behind a sign-in.
                    return;
                }

                if (record is null)
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme).ConfigureAwait(false);
                }
            };
            cookie.Events.OnRedirectToReturnUrl = context =>
            {
                context.Response.Redirect(Infrastructure.Hosting.LocalReturnUrl.Of(context.RedirectUri) ?? "/");
                return Task.CompletedTask;
            };
        });
        services.Configure<SecurityStampValidatorOptions>(options =>
        {
            options.ValidationInterval = TimeSpan.FromMinutes(5);
            // The periodic re-check rebuilds the cookie's principal from the database, which knows nothing of how the
            // session signed in: keep the second factor, or representatives and staff are signed out after five minutes, and
            // the sign-in's record (the same sign-in goes on).
            options.OnRefreshingPrincipal = context =>
            {
                if (context.NewPrincipal?.Identity is ClaimsIdentity identity && context.CurrentPrincipal is { } current)
                {
                    foreach (var method in current.FindAll(c => c.Type is PortalClaims.AuthenticationMethods or PortalClaims.SessionId).Where(m => !identity.HasClaim(m.Type, m.Value)).ToArray())
                    {
                        identity.AddClaim(new Claim(method.Type, method.Value));
                    }
                }

                return Task.CompletedTask;
            };
        });

        services.AddSingleton<IAuthorizationHandler, SecondFactorHandler>();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(SignedIn())
            // Every endpoint without its own rule (pages, the circuit's hub, downloads) needs a signed-in account.
            .SetFallbackPolicy(SignedIn());

        services.AddScoped<CurrentActor>();
        services.AddScoped<RecoveryCodes>();
        services.AddScoped<AuthenticatorReset>();
        services.AddOptions<SessionOptions>().BindConfiguration(SessionOptions.Section);
        services.AddScoped<SessionActivity>();
        services.AddSingleton<SignInSessions>();
        services.AddScoped<Infrastructure.FormDrafts>();
        services.AddScoped<TokenChallenges>();
        services.AddScoped<TokenSignIns>();
        // The cookie's sliding expiry is the idle time: a page in use renews it (session-activity.js), an idle one lets it run out.
        services.AddOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<Microsoft.Extensions.Options.IOptions<SessionOptions>>((cookie, session) => cookie.ExpireTimeSpan = session.Value.IdleTimeout);
        return services;
    }

    private static AuthorizationPolicy SignedIn() =>
        new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new SecondFactorRequirement()).Build();

    /// <summary>The roles exist in every database (created at start when missing).</summary>
    public static async Task EnsureRolesAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in PortalRoles.All)
        {
            if (!await roles.RoleExistsAsync(role).ConfigureAwait(false))
            {
                var result = await roles.CreateAsync(new IdentityRole(role)).ConfigureAwait(false);
                if (!result.Succeeded && !await roles.RoleExistsAsync(role).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"Role {role} could not be created: {string.Join("; ", result.Errors.Select(e => e.Code))}");
                }
            }
        }
    }

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // A form post (antiforgery-checked because it binds a form field) from the header's sign-out button.
        endpoints.MapPost("/account/logout", async ([FromForm] string? returnUrl, SignInManager<PortalUser> signIn, Support.SupportService support,
            CurrentActor current, AuditTrail audit, AgentBridge.AgentLinks agentLinks, HttpContext http) =>
        {
            // Signing out ends a support session first: it must not outlive the staff member's sign-in.
            await support.EndAsync().ConfigureAwait(false);
            var actor = await current.GetAsync().ConfigureAwait(false);
            await signIn.SignOutAsync().ConfigureAwait(false);

            // The account's other open pages lose their agent link too, and the agent ends their token logins with it.
            if (http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } account)
            {
                await agentLinks.CloseAllOfAsync(account).ConfigureAwait(false);
            }
            if (actor is not null)
            {
                await audit.RecordAsync(actor, AuditActions.SignedOut, AuditSubjects.User(actor.UserName)).ConfigureAwait(false);
            }

            return Results.LocalRedirect(LoginPath);
        });
        // A page in use reports activity here; being an authenticated request, it slides the sign-in cookie's expiry.
        endpoints.MapPost("/account/session", () => Results.NoContent());
        return endpoints;
    }
}

using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Qtsp.Portal.Infrastructure;

/// <summary>Czech by default, English on request; the choice is kept in the standard culture cookie.</summary>
public static class Localization
{
    public static readonly CultureInfo Czech = CultureInfo.GetCultureInfo("cs");
    public static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");
    public static readonly IReadOnlyList<CultureInfo> Supported = [Czech, English];

    public static IServiceCollection AddPortalLocalization(this IServiceCollection services)
    {
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(options =>
        {
            options.DefaultRequestCulture = new RequestCulture(Czech);
            options.SupportedCultures = [.. Supported];
            options.SupportedUICultures = [.. Supported];
            // The portal starts in Czech; a user's explicit choice (cookie) is the only other source.
            options.RequestCultureProviders = [new CookieRequestCultureProvider()];
        });
        return services;
    }

    public static IApplicationBuilder UsePortalLocalization(this IApplicationBuilder app) => app.UseRequestLocalization();

    /// <summary>GET /culture/{name}?returnUrl=/token stores the choice and goes back to the page.</summary>
    public static IEndpointRouteBuilder MapCultureSwitch(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/culture/{name}", (string name, string? returnUrl, HttpContext context) =>
        {
            var culture = Supported.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? Czech;
            context.Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { MaxAge = TimeSpan.FromDays(365), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
            return Results.LocalRedirect(Hosting.LocalReturnUrl.Of(returnUrl) ?? "/");
        }).AllowAnonymous(); // the sign-in page offers the switch too
        return endpoints;
    }
}

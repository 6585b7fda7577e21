namespace Qtsp.Portal.Infrastructure.Hosting;

/// <summary>The services of the portal's hosting security: headers, trusted proxies, rate limits.</summary>
public static class HostingSecurity
{
    public static IServiceCollection AddHostingSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<CspNonce>();
        services.AddOptions<HstsSettings>().BindConfiguration(HstsSettings.Section);
        services.AddTrustedForwardedHeaders(configuration);
        services.AddRateLimits(configuration);
        return services;
    }
}

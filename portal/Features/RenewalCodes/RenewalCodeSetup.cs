namespace Qtsp.Portal.Features.RenewalCodes;

public static class RenewalCodeSetup
{
    public static IServiceCollection AddRenewalCodes(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RenewalCodeOptions>(configuration.GetSection(RenewalCodeOptions.Section));
        services.AddSingleton<RenewalCodeHasher>();
        services.AddScoped<RenewalCodeBatches>();
        services.AddScoped<RenewalCodeRedemption>();
        services.AddScoped<CloudRenewal>();
        services.AddScoped<CloudSigning>();
        return services;
    }
}

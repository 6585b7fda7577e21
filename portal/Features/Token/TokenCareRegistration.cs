using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Qtsp.Portal.Features.Token;

public static class TokenCareRegistration
{
    public static IServiceCollection AddTokenCare(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<TokenDialogs>();
        services.AddScoped<TokenCare>();
        services.TryAddScoped<IServiceKeyRegistry, SecureDeviceServiceKeys>();
        services.AddCascadingAuthenticationState();
        return services;
    }
}

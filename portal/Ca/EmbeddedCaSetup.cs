using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Ca.Revocation;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Jobs;

namespace Qtsp.Portal.Ca;

public static class EmbeddedCaSetup
{
    /// <summary>
    /// Registers the embedded CA as the <see cref="ICertificateAuthority"/>. Nothing touches the token until the CA is
    /// first used or started.
    /// </summary>
    public static IServiceCollection AddEmbeddedCa(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CaOptions>(configuration.GetSection(CaOptions.Section));
        services.Configure<PkiOptions>(configuration.GetSection(PkiOptions.Section));
        services.AddSingleton<IIssuedSerialNumbers, DatabaseIssuedSerialNumbers>();
        services.AddSingleton(provider => new EmbeddedCertificateAuthority(
            provider.GetRequiredService<IOptions<CaOptions>>().Value,
            provider.GetRequiredService<IOptions<PkiOptions>>().Value,
            PortalPaths.DataDirectory(configuration, provider.GetRequiredService<IHostEnvironment>()),
            provider.GetRequiredService<IIssuedSerialNumbers>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<EmbeddedCertificateAuthority>>()));
        services.AddSingleton<ICertificateAuthority>(provider => provider.GetRequiredService<EmbeddedCertificateAuthority>());
        services.AddSingleton<ICloudKeyVault, EmbeddedCloudKeyVault>();
        // The CRL publisher takes the no-op's place: revocations wake it, and it refreshes CRLs before their nextUpdate.
        services.TryAddSingleton<JobLeases>();
        services.AddSingleton<CrlPublisher>();
        services.AddSingleton<IRevocationPublisher>(provider => provider.GetRequiredService<CrlPublisher>());
        services.AddHostedService(provider => provider.GetRequiredService<CrlPublisher>());
        services.AddSingleton<OcspResponder>();
        return services;
    }
}

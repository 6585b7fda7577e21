using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Qtsp.Portal.Infrastructure.Hosting;

/// <summary>
/// Proxies whose X-Forwarded-For and X-Forwarded-Proto the portal believes (`Hosting:KnownProxies:N` addresses,
/// `Hosting:KnownNetworks:N` CIDR ranges). None by default: then the headers are ignored and the connection's own address
/// is the client's, whoever sends them. X-Forwarded-Host is never taken, so host filtering always judges the real Host.
/// </summary>
public sealed class TrustedProxies
{
    public const string Section = "Hosting";

    public List<string> KnownProxies { get; set; } = [];

    public List<string> KnownNetworks { get; set; } = [];

    public bool Any => KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}

public static class ForwardedHeadersSetup
{
    public static IServiceCollection AddTrustedForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var proxies = configuration.GetSection(TrustedProxies.Section).Get<TrustedProxies>() ?? new TrustedProxies();
        services.AddSingleton(proxies);
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; the portal trusts only what is configured.
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies.KnownProxies)
            {
                options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address)
                    ? address
                    : throw new InvalidOperationException($"Hosting:KnownProxies: '{proxy}' is not an IP address."));
            }

            foreach (var network in proxies.KnownNetworks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var range)
                    ? range
                    : throw new InvalidOperationException($"Hosting:KnownNetworks: '{network}' is not a CIDR range."));
            }

            // A chain of configured proxies is walked back to the first address none of them owns.
            options.ForwardLimit = null;
        });
        return services;
    }

    public static IApplicationBuilder UseTrustedForwardedHeaders(this IApplicationBuilder app) =>
        app.ApplicationServices.GetRequiredService<TrustedProxies>().Any ? app.UseForwardedHeaders() : app;
}

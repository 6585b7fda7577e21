using System.Net;

namespace Qtsp.Agent.Hosting;

/// <summary>The agent serves this PC only: it listens on loopback addresses and nothing else.</summary>
internal static class LoopbackAddresses
{
    public static bool IsLoopbackHostName(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>The endpoints of a listening URL such as http://127.0.0.1:47180; throws when it is not loopback.</summary>
    public static IReadOnlyList<IPEndPoint> Endpoints(string url, string setting = "Agent:Url")
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/")
        {
            throw new InvalidOperationException($"{setting} '{url}' must look like http://127.0.0.1:47180.");
        }

        if (uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [new IPEndPoint(IPAddress.Loopback, uri.Port), new IPEndPoint(IPAddress.IPv6Loopback, uri.Port)];
        }

        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) || !IPAddress.IsLoopback(address))
        {
            throw new InvalidOperationException($"{setting} '{url}' is not a loopback address; the agent listens only on 127.0.0.1, [::1] or localhost.");
        }

        return [new IPEndPoint(address, uri.Port)];
    }

    /// <summary>
    /// Refuses the host's generic address settings (urls, ASPNETCORE_URLS, http_ports, Kestrel:Endpoints)
    /// when they name anything but loopback, so no setting can make the agent listen on a network.
    /// </summary>
    public static void RejectNonLoopbackBindings(IConfiguration configuration)
    {
        foreach (var key in new[] { "urls", "http_ports", "https_ports" })
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            if (key != "urls")
            {
                throw new InvalidOperationException($"'{key}' would listen on every network interface; the agent listens only on Agent:Url.");
            }

            foreach (var url in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                _ = Endpoints(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), key);
            }
        }

        if (configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            throw new InvalidOperationException("Kestrel:Endpoints is not honoured by the agent; it listens only on Agent:Url.");
        }
    }
}

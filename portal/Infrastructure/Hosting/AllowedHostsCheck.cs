namespace Qtsp.Portal.Infrastructure.Hosting;

/// <summary>
/// The host names the portal answers to come from `AllowedHosts` (the framework's host filtering answers 400 to any other
/// Host header, so a forged Host never reaches a redirect or a link). The portal does not start with none or with "*".
/// </summary>
public static class AllowedHostsCheck
{
    public static void Require(IConfiguration configuration)
    {
        var hosts = (configuration["AllowedHosts"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (hosts.Length == 0 || hosts.Contains("*"))
        {
            throw new InvalidOperationException(
                "AllowedHosts must name the host names the portal is reached by (e.g. \"portal.example.cz\"), separated by ';' - not '*'.");
        }
    }
}

using Microsoft.Extensions.Options;

namespace Qtsp.Agent.Bridge;

/// <summary>The portal origins whose pages may use this agent.</summary>
internal sealed class OriginPolicy
{
    /// <summary>Used when none are configured: the portal of the local demo (README's run command).</summary>
    public static readonly IReadOnlyList<string> DemoPortalOrigins = ["http://127.0.0.1:5180", "http://localhost:5180"];

    private readonly HashSet<string> _allowed;

    public OriginPolicy(IOptions<AgentOptions> options)
    {
        var configured = options.Value.AllowedOrigins.Where(o => !string.IsNullOrWhiteSpace(o)).ToArray();
        _allowed = (configured.Length > 0 ? configured : DemoPortalOrigins)
            .Select(o => Normalise(o) ?? throw new InvalidOperationException($"Agent:AllowedOrigins holds '{o}', which is not an origin (scheme://host[:port])."))
            .ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Allowed => _allowed;

    public bool IsAllowed(string? origin) => origin is not null && Normalise(origin) is { } normalised && _allowed.Contains(normalised);

    /// <summary>scheme://host[:port] in lower case with the scheme's default port left out, as browsers send it.</summary>
    internal static string? Normalise(string origin)
    {
        if (!Uri.TryCreate(origin.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return null;
        }

        // IdnHost drops the brackets of an IPv6 address; browsers keep them (http://[::1]:5180), and so must CORS.
        var host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.IdnHost}]" : uri.IdnHost;
        return uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
    }
}

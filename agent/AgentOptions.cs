namespace Qtsp.Agent;

/// <summary>The agent's settings (section "Agent").</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>Where the agent listens; must be a loopback address (127.0.0.1, [::1] or localhost).</summary>
    public string Url { get; set; } = "http://127.0.0.1:47180";

    /// <summary>Portal origins whose pages may connect (scheme://host[:port]).</summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>PKCS#11 libraries to load; when empty, the known vendor libraries of this operating system.</summary>
    public IList<string> Modules { get; } = [];

    /// <summary>Variables set in the native environment before modules load (e.g. SOFTHSM2_CONF).</summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How often the slot list is polled for devices arriving or leaving.</summary>
    public int PollIntervalMilliseconds { get; set; } = 1000;

    /// <summary>Longest a device operation may take (key generation on a real card takes seconds to minutes).</summary>
    public int OperationTimeoutSeconds { get; set; } = 300;

    /// <summary>An area logged in for viewing its private objects is logged out after this long without use.</summary>
    public int LoginIdleMinutes { get; set; } = 10;

    /// <summary>A folder the agent also writes its log to (agent.log); the tray's diagnostics show it. None: standard output only.</summary>
    public string? LogFolder { get; set; }
}

using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Qtsp.Portal.AgentBridge;

/// <summary>Where pages find the token agent (section "AgentBridge").</summary>
public sealed class AgentBridgeOptions
{
    public const string Section = "AgentBridge";

    /// <summary>The agent's address as the user's browser reaches it (the agent runs on the user's PC).</summary>
    public string Url { get; set; } = "http://127.0.0.1:47180";

    /// <summary>Pause between attempts to reach an agent that is not running.</summary>
    public int RetryMilliseconds { get; set; } = 1500;
}

public static class AgentBridgeRegistration
{
    public static IServiceCollection AddAgentBridge(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AgentBridgeOptions>(configuration.GetSection(AgentBridgeOptions.Section));
        services.AddScoped<AgentBridge>();
        services.AddSingleton<AgentLinks>();
        services.TryAddScoped<IAgentLinkPolicy, AllowAgentLink>();
        return services;
    }
}

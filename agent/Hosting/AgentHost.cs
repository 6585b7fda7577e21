using Microsoft.AspNetCore.SignalR;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Qtsp.Agent.Bridge;
using Qtsp.Agent.Tokens;
using Qtsp.Agent.Tokens.Operations;
using Qtsp.Agent.Tray;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Hosting;

/// <summary>Builds the agent's web host: loopback-only Kestrel, the request guard, CORS and the token hub.</summary>
public static partial class AgentHost
{
    public const string HeadlessSwitch = "--headless";

    public static WebApplication Build(string[] args)
    {
        var headless = args.Contains(HeadlessSwitch, StringComparer.OrdinalIgnoreCase);
        // appsettings.json beside the executable, wherever it is started from (an autostart entry starts it in the home folder).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args.Where(a => !a.Equals(HeadlessSwitch, StringComparison.OrdinalIgnoreCase)).ToArray(),
            ContentRootPath = AppContext.BaseDirectory,
        });
        UserSettings.AddTo(builder.Configuration, UserSettings.Path(Environment.GetEnvironmentVariable, OperatingSystem.IsWindows()));
        LoopbackAddresses.RejectNonLoopbackBindings(builder.Configuration);

        var options = builder.Configuration.GetSection(AgentOptions.Section).Get<AgentOptions>() ?? new AgentOptions();
        if (!string.IsNullOrWhiteSpace(options.LogFolder))
        {
            builder.Logging.AddProvider(new FileLogProvider(options.LogFolder));
        }

        var endpoints = LoopbackAddresses.Endpoints(options.Url);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var endpoint in endpoints)
            {
                kestrel.Listen(endpoint);
            }
        });

        builder.Services.Configure<AgentOptions>(builder.Configuration.GetSection(AgentOptions.Section));
        builder.Services.AddSingleton<OriginPolicy>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TrayStatus>();
        builder.Services.AddSingleton(new TrayTexts(TrayTexts.Detect()));
        builder.Services.AddSingleton(new TrayMode(headless));
        builder.Services.AddSingleton<TrayPresenter>();
        builder.Services.AddHostedService<TrayHost>();
        builder.Services.AddSingleton<DeviceService>();
        builder.Services.AddSingleton<OperationRunner>();
        builder.Services.AddSingleton<LoginSessions>();
        builder.Services.AddSingleton<SecretThrottle>();
        builder.Services.AddSingleton<DevicePublisher>();
        builder.Services.AddSingleton<PauseFilter>();
        builder.Services.AddHostedService<DeviceWatcher>();

        // Hub invocations carry PINs; SignalR's own debug logging would print their arguments. Never below Warning.
        builder.Logging.AddFilter("Microsoft.AspNetCore.SignalR", level => level >= LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http.Connections", level => level >= LogLevel.Warning);
        builder.Services.AddCors();
        builder.Services.AddSignalR(hub =>
        {
            // Short keep-alives so a page notices a stopped agent within seconds, even without a TCP reset.
            hub.KeepAliveInterval = TimeSpan.FromSeconds(2);
            hub.ClientTimeoutInterval = TimeSpan.FromSeconds(10);

            // A long operation (key generation) must not hold up the same page's Cancel.
            hub.MaximumParallelInvocationsPerClient = 4;
            hub.MaximumReceiveMessageSize = 256 * 1024; // a PKCS#12 file or a certificate chain
            hub.AddFilter<PauseFilter>();
            hub.AddFilter<MalformedCallFilter>();
        });

        var app = builder.Build();
        app.UseMiddleware<RequestGuard>();
        app.UseCors(cors => cors
            .WithOrigins([.. app.Services.GetRequiredService<OriginPolicy>().Allowed])
            .AllowAnyHeader()
            .WithMethods("GET", "POST"));
        app.MapGet("/", () => Results.Json(new { agent = SingleInstance.AgentIdentity, protocol = AgentHubContract.ProtocolVersion }));
        app.MapHub<TokenHub>(AgentHubContract.Path);

        app.Lifetime.ApplicationStarted.Register(() => VerifyListeningAddresses(app, headless));
        return app;
    }

    /// <summary>Defence in depth: should any address other than loopback be bound, stop at once.</summary>
    private static void VerifyListeningAddresses(WebApplication app, bool headless)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Qtsp.Agent");
        foreach (var address in addresses)
        {
            var host = new Uri(address).Host.Trim('[', ']');
            if (!IPAddress.TryParse(host, out var ip) || !IPAddress.IsLoopback(ip))
            {
                LogNotLoopback(logger, address);
                Environment.ExitCode = 2;
                app.Lifetime.StopApplication();
                return;
            }
        }

        var origins = app.Services.GetRequiredService<OriginPolicy>().Allowed;
        LogListening(logger, addresses, origins, headless ? "headless" : "with a tray icon where the session has a tray");
    }

    /// <summary>Where the agent was configured to listen (Agent:Url).</summary>
    public static string ConfiguredUrl(WebApplication app) => app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AgentOptions>>().Value.Url;

    [LoggerMessage(Level = LogLevel.Critical, Message = "Listening on {Address}, which is not loopback; stopping.")]
    private static partial void LogNotLoopback(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Token agent listening on {Addresses} for portal origins {Origins} ({Mode})")]
    private static partial void LogListening(ILogger logger, IEnumerable<string> addresses, IEnumerable<string> origins, string mode);
}

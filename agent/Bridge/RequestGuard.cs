using Qtsp.Agent.Hosting;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Bridge;

/// <summary>
/// The agent's front door. Refuses (403) requests whose Host is not a loopback name (DNS rebinding) and
/// requests from pages of origins that are not allowed — including WebSocket upgrades, which CORS does not
/// cover. The hub also refuses requests without an Origin: browsers always send one there.
/// Answers Chrome's Private/Local Network Access preflight for allowed origins.
/// </summary>
internal sealed class RequestGuard(RequestDelegate next, OriginPolicy origins, Tray.TrayStatus tray)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!LoopbackAddresses.IsLoopbackHostName(context.Request.Host.Host))
        {
            return Refuse(context, "host not allowed");
        }

        var origin = context.Request.Headers.Origin.ToString();
        var toHub = context.Request.Path.StartsWithSegments(AgentHubContract.Path, StringComparison.OrdinalIgnoreCase);
        if (origin.Length > 0 ? !origins.IsAllowed(origin) : toHub)
        {
            return Refuse(context, "origin not allowed");
        }

        if (toHub && tray.Paused)
        {
            // The holder paused the bridge from the tray: pages hear it as an agent that is not there for now.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync("paused by the holder");
        }

        if (HttpMethods.IsOptions(context.Request.Method) && context.Request.Headers.ContainsKey("Access-Control-Request-Private-Network"))
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers["Access-Control-Allow-Private-Network"] = "true";
                return Task.CompletedTask;
            });
        }

        return next(context);
    }

    private static Task Refuse(HttpContext context, string reason)
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(reason);
    }
}

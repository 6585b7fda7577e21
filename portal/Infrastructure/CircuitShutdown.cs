namespace Qtsp.Portal.Infrastructure;

/// <summary>
/// Lets the portal stop at once while pages are open. SignalR closes the circuits' connections when the application
/// stops, but a page reconnects straight away, and that new connection would hold the shutdown until the host's
/// timeout (dotnet/aspnetcore#58947). So once stopping, circuit requests are refused and those still open are ended.
/// </summary>
public static class CircuitShutdown
{
    private const string CircuitPath = "/_blazor";

    public static IApplicationBuilder UseCircuitShutdown(this IApplicationBuilder app)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(CircuitPath, StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }

            if (stopping.IsCancellationRequested)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            await using var registration = stopping.Register(context.Abort);
            await next(context);
        });
    }
}

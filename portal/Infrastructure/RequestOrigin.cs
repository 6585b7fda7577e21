namespace Qtsp.Portal.Infrastructure;

/// <summary>
/// Where the current request or circuit comes from, for the audit trail. A request's address is set by middleware; a
/// circuit has no HttpContext, so the address of the page request that started it is handed to it (Routes.razor).
/// </summary>
public sealed class RequestOrigin
{
    public string? Address { get; set; }
}

public static class RequestOriginMiddleware
{
    public static IApplicationBuilder UseRequestOrigin(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        context.RequestServices.GetRequiredService<RequestOrigin>().Address = context.Connection.RemoteIpAddress?.ToString();
        await next(context).ConfigureAwait(false);
    });
}

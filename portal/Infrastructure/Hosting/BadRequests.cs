using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;

namespace Qtsp.Portal.Infrastructure.Hosting;

/// <summary>What the client got wrong is answered as such (400), not as the server's failure (500).</summary>
public static class BadRequests
{
    public static int StatusCodeOf(Exception exception) => exception switch
    {
        BadHttpRequestException bad => bad.StatusCode,
        AntiforgeryValidationException => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>
    /// Right after UseAntiforgery: a form post whose antiforgery token did not validate is answered 400 here. Left to go on,
    /// the endpoint refuses it and the status-code page (or the error page) is re-executed for the same post, whose form the
    /// framework then refuses to read again — a 500.
    /// </summary>
    public static IApplicationBuilder UseAntiforgeryRefusals(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
        {
            if (context.Features.Get<IStatusCodePagesFeature>() is { } statusPages)
            {
                statusPages.Enabled = false;
            }

            await PlainPage.WriteAsync(context, StatusCodes.Status400BadRequest, "Hosting.FormExpired.Title", "Hosting.FormExpired.Text").ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    });
}

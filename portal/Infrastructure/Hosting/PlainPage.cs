using System.Text.Encodings.Web;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Resources;

namespace Qtsp.Portal.Infrastructure.Hosting;

/// <summary>
/// A short page in the visitor's language written by middleware, for answers given before any endpoint runs (429, a form
/// refused by antiforgery). A link leads back to the address that was asked for.
/// </summary>
public static class PlainPage
{
    public static async Task WriteAsync(HttpContext context, int status, string titleKey, string textKey, params object[] textArguments)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        response.ContentType = "text/html; charset=utf-8";
        var texts = context.RequestServices.GetRequiredService<IStringLocalizer<Strings>>();
        var html = HtmlEncoder.Default;
        var language = System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName;
        var back = context.Request.Path.HasValue ? context.Request.Path.Value! : "/";
        var title = html.Encode(texts[titleKey]);
        await response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="{html.Encode(language)}">
            <head><meta charset="utf-8" /><meta name="viewport" content="width=device-width, initial-scale=1.0" /><title>{title}</title><link rel="stylesheet" href="/css/app.css" /></head>
            <body><main class="account-card" data-testid="plain-page-{status}">
            <h1>{title}</h1>
            <p>{html.Encode(texts[textKey, textArguments])}</p>
            <p><a href="{html.Encode(back)}">{html.Encode(texts["Hosting.Back"])}</a></p>
            </main></body>
            </html>
            """, context.RequestAborted).ConfigureAwait(false);
    }
}

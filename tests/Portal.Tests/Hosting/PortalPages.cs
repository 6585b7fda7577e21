using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace Qtsp.Portal.Tests.Hosting;

internal static class PortalPages
{
    /// <summary>The standard culture cookie as the /culture switch writes it.</summary>
    public static string CultureCookie(string culture) => $".AspNetCore.Culture={Uri.EscapeDataString($"c={culture}|uic={culture}")}";

    public static async Task<IHtmlDocument> GetPageAsync(this HttpClient client, string path, string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {path}:\n{html}");
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/html");
        return await new HtmlParser().ParseDocumentAsync(html);
    }
}

using System.Net;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Qtsp.TestSupport;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Hosting;

/// <summary>
/// One browser's view of the running portal over HTTP: its own cookies, no automatic redirects, forms posted as a
/// browser posts them (antiforgery token and Blazor's form name included). Signs in through the real sign-in pages.
/// </summary>
public sealed class PortalSession : IDisposable
{
    private readonly HttpClient _client;

    public PortalSession(Uri address, string? culture = null)
    {
        Cookies = new CookieContainer();
        if (culture is not null)
        {
            Cookies.Add(address, new Cookie(".AspNetCore.Culture", Uri.EscapeDataString($"c={culture}|uic={culture}")));
        }

        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = Cookies })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public CookieContainer Cookies { get; }

    /// <summary>Every address the session was sent to (redirects included): nothing secret may ever be in one.</summary>
    public List<string> Locations { get; } = [];

    /// <summary>From now on, the requests come through a proxy that reports <paramref name="address"/> as the browser's (X-Forwarded-For).</summary>
    public void SetForwardedFor(string? address)
    {
        _client.DefaultRequestHeaders.Remove("X-Forwarded-For");
        if (address is not null)
        {
            _client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        }
    }

    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        var response = await _client.GetAsync(path);
        Remember(response);
        return response;
    }

    public async Task<(HttpStatusCode Status, IHtmlDocument Page)> PageAsync(string path)
    {
        using var response = await GetAsync(path);
        return (response.StatusCode, await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync()));
    }

    /// <summary>GET that must answer 200 with HTML.</summary>
    public async Task<IHtmlDocument> OkPageAsync(string path)
    {
        var (status, page) = await PageAsync(path);
        status.ShouldBe(HttpStatusCode.OK, $"GET {path}: {page.Body?.TextContent}");
        return page;
    }

    /// <summary>Fills the form named <paramref name="formName"/> (Blazor's FormName) on <paramref name="page"/> and posts it.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, IHtmlDocument page, string? formName, IReadOnlyDictionary<string, string> fields)
    {
        var form = formName is null
            ? page.Forms.First(f => f.Method.Equals("post", StringComparison.OrdinalIgnoreCase))
            : page.Forms.Single(f => f.Elements.OfType<IHtmlInputElement>().Any(i => i.Name == "_handler" && i.Value == formName));
        var values = form.Elements.OfType<IHtmlInputElement>()
            .Where(i => !string.IsNullOrEmpty(i.Name) && i.Type is "hidden")
            .ToDictionary(i => i.Name!, i => i.Value);
        foreach (var (name, value) in fields)
        {
            values[name] = value;
        }

        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? path : form.GetAttribute("action")!;
        using var content = new FormUrlEncodedContent(values);
        var response = await _client.PostAsync(action, content);
        Remember(response);
        return response;
    }

    /// <summary>A post to <paramref name="path"/> that no form on <paramref name="page"/> offers, made with the page's antiforgery token (a forged request of the signed-in browser).</summary>
    public async Task<HttpResponseMessage> PostWithPageTokenAsync(string path, IHtmlDocument page, IReadOnlyDictionary<string, string> fields)
    {
        var token = page.QuerySelector("input[name=__RequestVerificationToken]") as IHtmlInputElement
            ?? throw new InvalidOperationException("The page has no antiforgery token.");
        var values = new Dictionary<string, string>(fields) { [token.Name!] = token.Value };
        using var content = new FormUrlEncodedContent(values);
        var response = await _client.PostAsync(path, content);
        Remember(response);
        return response;
    }

    /// <summary>Posts the form whose action is <paramref name="action"/> (e.g. the header's sign-out), with its hidden fields.</summary>
    public async Task<HttpResponseMessage> PostFormByActionAsync(IHtmlDocument page, string action, IReadOnlyDictionary<string, string>? fields = null)
    {
        var form = page.Forms.First(f => f.GetAttribute("action") == action);
        var values = form.Elements.OfType<IHtmlInputElement>().Where(i => !string.IsNullOrEmpty(i.Name) && i.Type is "hidden").ToDictionary(i => i.Name!, i => i.Value);
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            values[name] = value;
        }

        using var content = new FormUrlEncodedContent(values);
        var response = await _client.PostAsync(action, content);
        Remember(response);
        return response;
    }

    /// <summary>
    /// Signs in through /account/login and, when asked for, the second-factor page — enrolling an authenticator first if
    /// the account has none (the key is read from the page, as a person reads it). Returns the account's authenticator key.
    /// </summary>
    public async Task<string?> SignInAsync(string userName, string password, string? authenticatorKey = null)
    {
        var login = await OkPageAsync("/account/login");
        using var response = await PostFormAsync("/account/login", login, "login", new Dictionary<string, string>
        {
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        });
        var location = response.Headers.Location?.OriginalString ?? "";
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-in of {userName} was not accepted: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        if (!location.Contains("two-factor", StringComparison.Ordinal))
        {
            return authenticatorKey;
        }

        var secondFactor = await OkPageAsync(location);
        var key = secondFactor.QuerySelector("[data-testid=totp-key]")?.TextContent.Replace(" ", "", StringComparison.Ordinal) ?? authenticatorKey
            ?? throw new InvalidOperationException($"{userName} has an authenticator already; the test must know its key.");
        using var verified = await PostFormAsync(location, secondFactor, "two-factor", new Dictionary<string, string> { ["Input.Code"] = await Totp.UnusedCodeAsync(key) });
        // An enrolment ends on the page that shows the new recovery codes once (200); a sign-in redirects.
        if (verified.StatusCode != HttpStatusCode.Redirect && !(await verified.Content.ReadAsStringAsync()).Contains("data-testid=\"recovery-codes\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Second factor of {userName} was not accepted: {await verified.Content.ReadAsStringAsync()}");
        }

        return key;
    }

    private void Remember(HttpResponseMessage response)
    {
        Locations.Add(response.RequestMessage?.RequestUri?.ToString() ?? "");
        if (response.Headers.Location is { } location)
        {
            Locations.Add(location.ToString());
        }
    }

    public void Dispose() => _client.Dispose();
}

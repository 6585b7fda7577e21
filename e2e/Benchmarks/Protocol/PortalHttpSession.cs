using System.Net;
using System.Text.RegularExpressions;
using Qtsp.E2E.Infrastructure;

namespace Qtsp.E2E.Benchmarks.Protocol;

/// <summary>
/// A person's browser reduced to HTTP: cookies (the sign-in, antiforgery and HAProxy's instance cookie) and the portal's
/// server-rendered sign-in forms (user name and password, then the authenticator code — enrolling one the first time,
/// as the page offers). The pages after sign-in run in a <see cref="ServerCircuit"/> with these cookies.
/// </summary>
public sealed partial class PortalHttpSession : IDisposable
{
    private readonly HttpClient _http;
    private readonly CookieContainer _cookies = new();

    public PortalHttpSession(Uri portal, string? instance = null)
    {
        Portal = portal;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = _cookies, AllowAutoRedirect = true }) { BaseAddress = portal, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("cs-CZ");
        if (instance is not null)
        {
            // HAProxy's sticky-session cookie, set beforehand: every request of this person goes to that instance.
            _cookies.Add(portal, new Cookie("SERVERID", instance));
        }
    }

    public Uri Portal { get; }

    public string CookieHeader => _cookies.GetCookieHeader(Portal);

    /// <summary>Loads a page as a browser's first request for it does; returns where it ended (after redirects) and its HTML.</summary>
    public async Task<(Uri Url, string Html)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(Portal, path)).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return (response.RequestMessage!.RequestUri!, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    /// <summary>Signs in (password, then the authenticator's code, enrolling one the first time); returns the page it lands on.</summary>
    public async Task<(Uri Url, string Html)> SignInAsync(DemoAccount account, string returnPath)
    {
        var (url, html) = await OpenSignInAsync(returnPath).ConfigureAwait(false);
        var twoFactor = await SubmitPasswordAsync(url, html, account).ConfigureAwait(false);
        var code = await Qtsp.TestSupport.Totp.UnusedCodeAsync(AuthenticatorKey(twoFactor.Url, twoFactor.Html, account)).ConfigureAwait(false);
        return await SubmitCodeAsync(twoFactor.Url, twoFactor.Html, code).ConfigureAwait(false);
    }

    /// <summary>Posts to the portal as the page's script would (fetch or a beacon, with this person's cookies).</summary>
    public async Task PostAsync(string path, HttpContent content)
    {
        using var response = await _http.PostAsync(new Uri(Portal, path), content).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The sign-in page, to come back to <paramref name="returnPath"/> once signed in.</summary>
    public Task<(Uri Url, string Html)> OpenSignInAsync(string returnPath) => GetAsync($"account/login?returnUrl={Uri.EscapeDataString(returnPath)}");

    /// <summary>Sends the sign-in form (user name, password); returns the two-factor page that follows.</summary>
    public Task<(Uri Url, string Html)> SubmitPasswordAsync(Uri signInUrl, string signInHtml, DemoAccount account) =>
        SubmitAsync(signInUrl, signInHtml, "login", new() { ["login-user"] = account.UserName, ["login-password"] = account.Password });

    /// <summary>
    /// The authenticator's key the two-factor page shows when the account has none yet (the first sign-in enrols one), else
    /// the key enrolled before; either way remembered on the account.
    /// </summary>
    public static string AuthenticatorKey(Uri twoFactorUrl, string twoFactorHtml, DemoAccount account)
    {
        if (!twoFactorHtml.Contains("data-testid=\"totp-code\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Sign-in did not reach the two-factor page ({twoFactorUrl}).");
        }

        if (TotpKey().Match(twoFactorHtml) is { Success: true } key)
        {
            account.AuthenticatorKey = key.Groups["key"].Value.Replace(" ", "", StringComparison.Ordinal);
        }

        return account.AuthenticatorKey ?? throw new InvalidOperationException($"{account.UserName} has enrolled elsewhere; its key is unknown.");
    }

    /// <summary>
    /// Sends the authenticator's code on the two-factor page (and, after an enrolment, goes on past the recovery codes shown
    /// once, as a person does); returns the page signed in.
    /// </summary>
    public async Task<(Uri Url, string Html)> SubmitCodeAsync(Uri twoFactorUrl, string twoFactorHtml, string code)
    {
        var (url, html) = await SubmitAsync(twoFactorUrl, twoFactorHtml, "two-factor", new() { ["totp-code"] = code }).ConfigureAwait(false);
        return RecoveryContinue().Match(html) is { Success: true } next
            ? await GetAsync(WebUtility.HtmlDecode(next.Groups["href"].Value)).ConfigureAwait(false)
            : (url, html);
    }

    /// <summary>Posts a server-rendered form (found by its form name) with its hidden fields and the given fields (by test id).</summary>
    private async Task<(Uri Url, string Html)> SubmitAsync(Uri page, string html, string formName, Dictionary<string, string> byTestId)
    {
        var form = Forms().Matches(html).Select(m => m.Value).FirstOrDefault(f => f.Contains($"value=\"{formName}\"", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The page {page} has no form {formName}.");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (Match input in Inputs().Matches(form))
        {
            var attributes = Attributes().Matches(input.Groups["attributes"].Value).ToDictionary(a => a.Groups["name"].Value, a => WebUtility.HtmlDecode(a.Groups["value"].Value), StringComparer.OrdinalIgnoreCase);
            if (!attributes.TryGetValue("name", out var name))
            {
                continue;
            }

            var value = attributes.TryGetValue("data-testid", out var testId) && byTestId.TryGetValue(testId, out var given) ? given : attributes.GetValueOrDefault("value") ?? "";
            fields.Add(new(name, value));
        }

        using var content = new FormUrlEncodedContent(fields);
        using var response = await _http.PostAsync(page, content).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return (response.RequestMessage!.RequestUri!, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex(@"<form\b.*?</form>", RegexOptions.Singleline)]
    private static partial Regex Forms();

    [GeneratedRegex(@"<input\b(?<attributes>[^>]*)>")]
    private static partial Regex Inputs();

    [GeneratedRegex(@"(?<name>[\w:.-]+)=""(?<value>[^""]*)""")]
    private static partial Regex Attributes();

    [GeneratedRegex("""data-testid="totp-key">(?<key>[^<]+)<""")]
    private static partial Regex TotpKey();

    [GeneratedRegex(@"<a\b[^>]*href=""(?<href>[^""]*)""[^>]*data-testid=""recovery-continue""|<a\b[^>]*data-testid=""recovery-continue""[^>]*href=""(?<href>[^""]*)""")]
    private static partial Regex RecoveryContinue();
}

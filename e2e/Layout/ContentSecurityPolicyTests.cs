using System.Collections.Concurrent;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Shouldly;

namespace Qtsp.E2E.Layout;

/// <summary>
/// The portal's Content-Security-Policy measured in Chromium: every page of every role, the enrolment QR code, a
/// MudBlazor dialog, the PIN dialog and the link to the agent run without one violation reported — by the page's own
/// securitypolicyviolation events or by the browser's console.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class ContentSecurityPolicyTests(BrowserFixture browser)
{
    private const string RecordViolations = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', e =>
          window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber} sample ${e.sample}`));
        """;

    private readonly ConcurrentQueue<string> _console = new();

    private async Task<IPage> WatchedPageAsync()
    {
        var page = await browser.NewPageAsync();
        await page.Context.AddInitScriptAsync(RecordViolations);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
            {
                _console.Enqueue($"{page.Url}: {message.Text}");
            }
        };
        return page;
    }

    private static async Task<string[]> ViolationsAsync(IPage page) =>
        (await page.EvaluateAsync<string[]>("() => window.__cspViolations ?? []")).Select(v => $"{page.Url}: {v}").ToArray();

    [Fact]
    public async Task No_page_dialog_or_agent_link_violates_the_policy()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var violations = new List<string>();
        var seen = new List<string>();

        var anonymous = await WatchedPageAsync();
        foreach (var path in new[] { "/account/login", "/revoke", "/not-found" })
        {
            await anonymous.GotoAsync(product.PortalUrl + path);
            violations.AddRange(await ViolationsAsync(anonymous));
            seen.Add(path);
        }

        // A wrong sign-in posts the form (form-action) and renders the answer.
        await anonymous.GotoAsync(product.PortalUrl + "/account/login");
        await anonymous.Locator("[data-testid=login-user]").FillAsync("nobody-at-all");
        await anonymous.Locator("[data-testid=login-password]").FillAsync("Not-The-Password-1");
        await anonymous.Locator("[data-testid=login-submit]").ClickAsync();
        await anonymous.Locator("[data-testid=login-error]").WaitForAsync();
        violations.AddRange(await ViolationsAsync(anonymous));

        // The representative's first sign-in shows the authenticator's QR code (a data: image).
        var representative = await WatchedPageAsync();
        await representative.GotoAsync(product.PortalUrl + "/account/login");
        await representative.Locator("[data-testid=login-user]").FillAsync(product.Accounts.Representative.UserName);
        await representative.Locator("[data-testid=login-password]").FillAsync(product.Accounts.Representative.Password);
        await representative.Locator("[data-testid=login-submit]").ClickAsync();
        var qr = representative.Locator("[data-testid=totp-qr]");
        await qr.WaitForAsync();
        if (await qr.EvaluateAsync<int>("img => img.naturalWidth") == 0)
        {
            violations.Add("the authenticator's QR code did not load");
        }

        violations.AddRange(await ViolationsAsync(representative));
        product.Accounts.Representative.AuthenticatorKey = (await representative.Locator("[data-testid=totp-key]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        await representative.Locator("[data-testid=totp-code]").FillAsync(await Qtsp.TestSupport.Totp.UnusedCodeAsync(product.Accounts.Representative.AuthenticatorKey));
        await representative.Locator("[data-testid=totp-submit]").ClickAsync();
        await representative.ContinuePastRecoveryCodesAsync();
        await representative.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal));
        foreach (var path in new[] { "/", "/applicants", "/applicants/new", "/certificates", "/requests", "/account" })
        {
            await VisitAsync(representative, product, path);
            violations.AddRange(await ViolationsAsync(representative));
            seen.Add(path);
        }

        // The holder's My token: the agent link (negotiate, then its WebSocket), a MudBlazor dialog and the PIN dialog.
        var holder = await WatchedPageAsync();
        await holder.SignInAsync(product, product.Accounts.Holder, "/token");
        await holder.GotoAsync(product.PortalUrl + "/token");
        await holder.WaitForInteractiveAsync();
        var device = holder.Locator("[data-testid=device]");
        try
        {
            await device.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
            await holder.Locator("[data-testid=action-rename]").First.ClickAsync();
            await holder.Locator("[data-testid=rename-dialog]").WaitForAsync();
            await holder.Locator("[data-testid=rename-cancel]").ClickAsync();
            await holder.Locator("[data-testid=action-login]").First.ClickAsync();
            await holder.Locator("[data-testid=secret-dialog]").WaitForAsync();
            await holder.Keyboard.PressAsync("Escape");
        }
        catch (TimeoutException)
        {
            violations.Add("My token did not show the device through the agent, or its dialogs did not open");
        }

        violations.AddRange(await ViolationsAsync(holder));
        foreach (var path in new[] { "/", "/certificates", "/requests", "/account", "/token/complaint" })
        {
            await VisitAsync(holder, product, path);
            violations.AddRange(await ViolationsAsync(holder));
            seen.Add(path);
        }

        foreach (var (account, paths) in new[] { (product.Accounts.Support, new[] { "/support" }), (product.Accounts.RaOperator, new[] { "/registration" }) })
        {
            var page = await WatchedPageAsync();
            await page.SignInAsync(product, account);
            foreach (var path in paths)
            {
                await VisitAsync(page, product, path);
                violations.AddRange(await ViolationsAsync(page));
                seen.Add(path);
            }
        }

        seen.Count.ShouldBeGreaterThanOrEqualTo(15);
        // One line per kind of violation and page (the port and line numbers left out), so a failure reads as a list of causes.
        violations.Concat(_console)
            .Select(v => System.Text.RegularExpressions.Regex.Replace(v, @"http://127\.0\.0\.1:\d+|:\d+ sample", ""))
            .Distinct().Order(StringComparer.Ordinal).ShouldBeEmpty();
    }

    private static async Task VisitAsync(IPage page, ProductUnderTest product, string path)
    {
        await page.GotoAsync(product.PortalUrl + path);
        if (path != "/account")
        {
            await page.WaitForInteractiveAsync();
        }

        // Give MudBlazor's scripts and the circuit's first renders a moment to run.
        await page.WaitForTimeoutAsync(500);
    }
}

using Microsoft.Playwright;
using Qtsp.TestSupport;

namespace Qtsp.E2E.Infrastructure;

/// <summary>Signs a browser page in through the portal's sign-in pages, enrolling an authenticator the first time one is asked for.</summary>
public static class PortalSignIn
{
    /// <summary>Waits until the page's circuit runs (buttons and forms of interactive pages work only then).</summary>
    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator("main[data-interactive=true]").WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });

    /// <summary>The input of a MudBlazor field, whether its data-testid sits on the input itself or on the field's wrapper.</summary>
    public static ILocator FieldInput(this ILocator scope, string testId) => scope.Locator($"input[data-testid={testId}], [data-testid={testId}] input").First;

    /// <inheritdoc cref="FieldInput(ILocator, string)"/>
    public static ILocator FieldInput(this IPage page, string testId) => page.Locator("body").FieldInput(testId);

    /// <summary>Opens a page of the portal and waits until it is interactive.</summary>
    public static async Task OpenAsync(this IPage page, ProductUnderTest product, string path)
    {
        await page.GotoAsync(product.PortalUrl + path);
        await page.WaitForInteractiveAsync();
    }

    /// <summary>An enrolment ends on the page showing the new recovery codes once: a person saves them and goes on.</summary>
    public static async Task ContinuePastRecoveryCodesAsync(this IPage page)
    {
        var next = page.Locator("[data-testid=recovery-continue]");
        await next.WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        await next.ClickAsync();
    }

    public static async Task SignInAsync(this IPage page, ProductUnderTest product, DemoAccount account, string? returnPath = null)
    {
        var target = returnPath is null ? "" : $"?returnUrl={Uri.EscapeDataString(returnPath)}";
        await page.GotoAsync($"{product.PortalUrl}/account/login{target}");
        await page.SignInHereAsync(account);
    }

    /// <summary>Signs in on the sign-in page the browser is showing (e.g. after the sign-in expired), as a person does.</summary>
    public static async Task SignInHereAsync(this IPage page, DemoAccount account)
    {
        await page.Locator("[data-testid=login-user]").FillAsync(account.UserName);
        await page.Locator("[data-testid=login-password]").FillAsync(account.Password);
        await page.Locator("[data-testid=login-submit]").ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal), new PageWaitForURLOptions { Timeout = 15_000 });
        if (!page.Url.Contains("/account/two-factor", StringComparison.Ordinal))
        {
            return;
        }

        var key = page.Locator("[data-testid=totp-key]");
        var enrolling = await key.CountAsync() > 0;
        if (enrolling)
        {
            // First sign-in: the page shows the new authenticator's key beside its QR code, as a person would type it in.
            account.AuthenticatorKey = (await key.InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        }

        var code = await Totp.UnusedCodeAsync(account.AuthenticatorKey ?? throw new InvalidOperationException($"{account.UserName} has enrolled elsewhere; its key is unknown."));
        await page.Locator("[data-testid=totp-code]").FillAsync(code);
        await page.Locator("[data-testid=totp-submit]").ClickAsync();
        if (enrolling)
        {
            await page.ContinuePastRecoveryCodesAsync();
        }

        await page.WaitForURLAsync(url => !url.Contains("/account/", StringComparison.Ordinal), new PageWaitForURLOptions { Timeout = 15_000 });
    }
}

using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;

namespace Qtsp.E2E.Token;

/// <summary>The My token page as a user sees it, addressed through its data-testid markers.</summary>
public sealed class TokenPage(IPage page)
{
    public IPage Page => page;

    public ILocator AgentState => page.Locator("[data-testid=agent-state]");

    public ILocator Devices => page.Locator("[data-testid=device]");

    public ILocator NoDevice => page.Locator("[data-testid=no-device]");

    public ILocator Area(string kind) => page.Locator($"[data-testid=area][data-area-kind={kind}]");

    /// <summary>Signs in as the demo device's holder (Jan Novák) and opens My token.</summary>
    public async Task OpenAsync(ProductUnderTest product)
    {
        await page.SignInAsync(product, product.Accounts.Holder, "/token");
        if (!page.Url.EndsWith("/token", StringComparison.Ordinal))
        {
            await page.GotoAsync(product.PortalUrl + "/token");
        }
    }

    /// <summary>Fills the request form of an area with the holder's name and continues to the PIN dialog.</summary>
    public async Task StartRequestAsync(string area, string commonName, string? email = null)
    {
        await Area(area).Locator("[data-testid=action-new-request]").ClickAsync();
        await page.Locator("input[name=commonName]").FillAsync(commonName);
        if (email is not null)
        {
            await page.Locator("input[name=email]").FillAsync(email);
        }

        await page.Locator("[data-testid=request-continue]").ClickAsync();
    }

    public Task WaitForStateAsync(string state, float timeoutMs = 10_000) =>
        page.Locator($"[data-testid=agent-state][data-state={state}]").WaitForAsync(new LocatorWaitForOptions { Timeout = timeoutMs });

    /// <summary>(label, id) of the public keys and the ids of the certificates an area lists.</summary>
    public static async Task<(HashSet<(string Label, string Id)> PublicKeys, HashSet<string> CertificateIds)> ObjectsAsync(ILocator area)
    {
        var keys = new HashSet<(string, string)>();
        foreach (var row in await area.Locator("[data-testid=key][data-class=Public]").AllAsync())
        {
            keys.Add(((await row.Locator("[data-testid=key-label]").InnerTextAsync()).Trim(), (await row.GetAttributeAsync("data-id"))!));
        }

        var certificates = new HashSet<string>();
        foreach (var row in await area.Locator("[data-testid=certificate]").AllAsync())
        {
            certificates.Add((await row.GetAttributeAsync("data-id"))!);
        }

        return (keys, certificates);
    }
}

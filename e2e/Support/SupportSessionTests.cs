using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Shouldly;

namespace Qtsp.E2E.Support;

/// <summary>A support staff member acting as a customer in Chromium: banner everywhere, no agent, no revocation without confirmation, time limit.</summary>
[Collection(BrowserTests.Name)]
public sealed class SupportSessionTests(BrowserFixture browser)
{
    private static async Task StartSessionAsync(IPage page, ProductUnderTest product, string customer, string reason)
    {
        await page.SignInAsync(product, product.Accounts.Support, "/support");
        await page.WaitForInteractiveAsync();
        await page.Locator("[data-testid=customer-search-text]").FillAsync("novak");
        await page.Locator("[data-testid=customer-search-submit]").ClickAsync();
        var row = page.Locator($"[data-testid=customer][data-user-name='{customer}']");
        await row.Locator("[data-testid=open-session]").ClickAsync();
        await page.Locator("[data-testid=start-session]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=start-message], [data-testid=error-Reason]").First).ToBeVisibleAsync();
        await page.Locator("[data-testid=support-reason]").FillAsync(reason);
        await page.Locator("[data-testid=start-session]").ClickAsync();
        await page.WaitForURLAsync($"{product.PortalUrl}/");
        await page.WaitForInteractiveAsync();
    }

    [Fact]
    public async Task BannerOnEveryPageNoAgentNoRevocationWithoutConfirmationAndEndReturnsToStaffView()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var page = await browser.NewPageAsync();
        await StartSessionAsync(page, product, product.Accounts.Holder.UserName, "HD-2026-0001");

        var banner = page.Locator("[data-testid=support-banner]");
        foreach (var path in new[] { "/", "/certificates", "/requests", "/account", "/token" })
        {
            await page.OpenAsync(product, path == "/account" ? "/" : path); // /account is rendered without a circuit
            if (path == "/account")
            {
                await page.GotoAsync(product.PortalUrl + path);
            }

            await Assertions.Expect(banner).ToBeVisibleAsync();
            await Assertions.Expect(banner).ToContainTextAsync($"({product.Accounts.Support.UserName})");
            await Assertions.Expect(banner).ToContainTextAsync($"({product.Accounts.Holder.UserName})");
        }

        // On My token the page does not even try to reach an agent: the device is at the customer's PC.
        await Assertions.Expect(page.Locator("[data-testid=agent-state][data-state=disabled]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=device]")).ToHaveCountAsync(0);

        await page.OpenAsync(product, "/certificates");
        await page.Locator("[data-testid=certificate-row] a").First.ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/certificates/\\d+$"));
        await page.Locator("[data-testid=revoke]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=elevation]")).ToBeVisibleAsync();
        await page.Locator("[data-testid=revoke-confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=action-message]")).ToContainTextAsync(PortalTexts.Czech("Support.Elevation.CodeRequired"));
        await page.Locator("[data-testid=elevation-code]").FillAsync("000000");
        await page.Locator("[data-testid=revoke-confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=action-message]")).ToContainTextAsync(PortalTexts.Czech("Support.Elevation.CodeWrong"));
        await page.ReloadAsync();
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=status]")).ToHaveAttributeAsync("data-status", "valid");

        await page.Locator("[data-testid=support-end]").ClickAsync();
        await page.WaitForURLAsync($"{product.PortalUrl}/support");
        await Assertions.Expect(banner).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=recent-session]").First).ToHaveAttributeAsync("data-end", "Ended");
    }

    [Fact]
    public async Task TheSessionEndsByItselfWhenItsTimeIsUp()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync(null, "--Support:SessionLength=00:00:15");
        var page = await browser.NewPageAsync(locale: "en-US");
        await StartSessionAsync(page, product, product.Accounts.Holder.UserName, "HD-2026-0002");
        await Assertions.Expect(page.Locator("[data-testid=support-banner]")).ToBeVisibleAsync();

        await page.WaitForURLAsync($"{product.PortalUrl}/support?ended=expired", new PageWaitForURLOptions { Timeout = 30_000 });

        await Assertions.Expect(page.Locator("[data-testid=session-expired]")).ToContainTextAsync(PortalTexts.Czech("Support.Expired"));
        await Assertions.Expect(page.Locator("[data-testid=support-banner]")).ToHaveCountAsync(0);
        // Printed once, in the demo accounts block of the first start, and nowhere else.
        System.Text.RegularExpressions.Regex.Count(product.Logs, product.Accounts.Support.Password).ShouldBe(1);
    }
}

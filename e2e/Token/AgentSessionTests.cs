using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Token;

/// <summary>
/// The agent link lives as long as the portal sign-in of its page, in Chromium against the real portal, agent and
/// simulated demo device: what one person unlocked on the token is not there for the next person at the same PC.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class AgentSessionTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_token_login_ends_with_the_sign_in_and_the_next_person_sees_no_private_keys()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        var standard = page.Area("Standard");
        await Assertions.Expect(standard.Locator("[data-testid=action-login]")).ToBeVisibleAsync();
        await standard.Locator("[data-testid=action-login]").ClickAsync();
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("pin", DemoDevice.Pin));
        await Assertions.Expect(standard.Locator("[data-testid=key][data-class=Private]")).Not.ToHaveCountAsync(0);

        // A second tab of the same sign-in is open on My token too; signing out in the first ends its link as well.
        var secondTab = new TokenPage(await page.Page.Context.NewPageAsync());
        await secondTab.Page.OpenAsync(product, "/token");
        await secondTab.WaitForStateAsync("connected");
        await page.Page.Locator("[data-testid=sign-out]").ClickAsync();
        await page.Page.WaitForURLAsync(url => url.Contains("/account/login", StringComparison.Ordinal));
        await secondTab.WaitForStateAsync("disabled");
        await Assertions.Expect(secondTab.Devices).ToHaveCountAsync(0);

        // The next person at this PC signs in with their own account in the same browser.
        await page.Page.SignInHereAsync(product.Accounts.RaOperator);
        await page.Page.OpenAsync(product, "/token");
        await page.WaitForStateAsync("connected");
        await Assertions.Expect(page.Devices).ToHaveCountAsync(1);
        await Assertions.Expect(standard.Locator("[data-testid=key][data-role=ServiceKey][data-class=Public]")).ToHaveCountAsync(1);
        await Assertions.Expect(standard.Locator("[data-testid=key][data-class=Private]")).ToHaveCountAsync(0);
        await Assertions.Expect(standard.Locator("[data-testid=action-login]")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_support_session_closes_the_agent_link_of_a_my_token_tab_opened_before_it()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var staffTab = new TokenPage(await browser.NewPageAsync());
        await staffTab.Page.SignInAsync(product, product.Accounts.Support, "/token");
        await staffTab.Page.OpenAsync(product, "/token");
        await staffTab.WaitForStateAsync("connected");
        await Assertions.Expect(staffTab.Devices).ToHaveCountAsync(1);

        var supportTab = await staffTab.Page.Context.NewPageAsync();
        await supportTab.OpenAsync(product, "/support");
        await supportTab.Locator("[data-testid=customer-search-text]").FillAsync("novak");
        await supportTab.Locator("[data-testid=customer-search-submit]").ClickAsync();
        await supportTab.Locator($"[data-testid=customer][data-user-name='{product.Accounts.Holder.UserName}'] [data-testid=open-session]").ClickAsync();
        await supportTab.Locator("[data-testid=support-reason]").FillAsync("HD-2026-0042");
        await supportTab.Locator("[data-testid=start-session]").ClickAsync();
        await supportTab.WaitForURLAsync($"{product.PortalUrl}/");

        await staffTab.WaitForStateAsync("disabled");
        await Assertions.Expect(staffTab.Devices).ToHaveCountAsync(0);
        (await staffTab.Page.EvaluateAsync<string>("async () => (await import('/js/agent-bridge.js')).invoke('GetDevices').then(r => r.error && r.error.code)"))
            .ShouldBe("AgentUnavailable", "the tab's link itself is closed, not just hidden");
    }
}

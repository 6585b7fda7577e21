using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.E2E.Token;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Accounts;

/// <summary>
/// A holder signs in with the commercial certificate on the token and its PIN — no password, no authenticator code —
/// through the real agent and the run command's demo device (its standard area's authentication key certified by the
/// portal's CA).
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class TokenSignInTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_holder_signs_in_with_the_token_and_its_PIN_a_wrong_PIN_first_said_with_the_tries_left()
    {
        await using var product = await ProductUnderTest.StartWithAuthenticationKeyAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(product.PortalUrl + "/account/login");
        await page.Locator("[data-testid=login-with-token]").ClickAsync();
        await page.WaitForURLAsync("**/account/login/token**");

        // Only the standard area's commercial certificate is offered: the qualified one signs documents, not sign-ins.
        var choice = page.Locator("[data-testid=token-login-certificate]");
        await Assertions.Expect(choice).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = 15_000 });
        await Assertions.Expect(choice).ToContainTextAsync(DemoDevice.Holder);
        await Screenshots.TakeAsync(page, "token-sign-in-choose");

        await choice.ClickAsync();
        var secrets = new SecretDialog(page);
        await secrets.FillAsync(("pin", "0000"));
        await secrets.SubmitAsync();
        await Assertions.Expect(secrets.Message).ToContainTextAsync("Nesprávný PIN");
        await Screenshots.TakeAsync(page, "token-sign-in-wrong-pin");
        await secrets.FillAsync(("pin", DemoDevice.Pin));
        await secrets.SubmitAsync();

        await page.WaitForURLAsync(product.PortalUrl + "/", new PageWaitForURLOptions { Timeout = 15_000 });
        await page.GotoAsync(product.PortalUrl + "/token");
        await Assertions.Expect(page.Locator("[data-testid=user-name]")).ToContainTextAsync(DemoDevice.Holder);
        var signedIn = (await product.AuditAsync("account.signed-in")).ShouldHaveSingleItem();
        signedIn.Actor.ShouldBe(product.Accounts.Holder.UserName);
        signedIn.Details.ShouldContain("\"method\":\"token\"");
        (await product.AuditAsync("account.token-sign-in-refused")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Without_the_agent_the_page_says_so_in_English_and_offers_the_password()
    {
        await using var product = await ProductUnderTest.StartWithAuthenticationKeyAsync();
        await product.StopAgentAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(product.PortalUrl + "/culture/en?returnUrl=/account/login/token");
        await Assertions.Expect(page.Locator("[data-testid=token-sign-in]")).ToHaveAttributeAsync("data-state", "notRunning", new LocatorAssertionsToHaveAttributeOptions { Timeout = 15_000 });
        await Assertions.Expect(page.Locator("[data-testid=token-login-status]")).ToHaveTextAsync(PortalTexts.English("TokenSignIn.Agent.NotRunning"));
        await Screenshots.TakeAsync(page, "token-sign-in-no-agent-en");
        await page.Locator("[data-testid=token-login-password]").ClickAsync();
        await page.WaitForURLAsync("**/account/login**");
        await Assertions.Expect(page.Locator("[data-testid=login-user]")).ToBeVisibleAsync();
    }
}

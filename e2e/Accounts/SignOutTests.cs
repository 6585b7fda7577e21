using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Shouldly;

namespace Qtsp.E2E.Accounts;

/// <summary>
/// Signing out ends the sign-in everywhere at once: the other tabs of the browser (their circuits) close within seconds
/// and can do nothing meanwhile.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class SignOutTests(BrowserFixture browser)
{
    [Fact]
    public async Task SigningOutInOneTabEndsTheOtherTabsAndTheyRegisterNothing()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var representative = product.Accounts.Representative;
        var first = await browser.NewPageAsync();
        var second = await first.Context.NewPageAsync();
        await first.SignInAsync(product, representative, "/applicants");
        await first.WaitForInteractiveAsync();
        await second.OpenAsync(product, "/applicants/new");
        await Field(second, "FirstName").FillAsync("Pozdní");
        await Field(second, "LastName").FillAsync("Registrace");
        await Field(second, "DateOfBirth").FillAsync("1990-02-03");
        await Field(second, "Email").FillAsync("pozdni.registrace@stavby-morava.example");
        await Field(second, "Email").BlurAsync();

        await first.Locator("[data-testid=sign-out]").ClickAsync();
        await first.WaitForURLAsync("**/account/login**");

        // Straight away, before the second tab has noticed: its save does nothing.
        await second.Locator("[data-testid=save]").ClickAsync();

        // Within seconds the second tab is at the sign-in page too, and a reload does not bring the form back.
        await second.WaitForURLAsync("**/account/login**", new PageWaitForURLOptions { Timeout = 15_000 });
        await second.GotoAsync(product.PortalUrl + "/applicants/new");
        second.Url.ShouldContain("/account/login");
        (await product.AuditAsync("applicant.registered")).ShouldBeEmpty("the second tab registered nobody after the sign-out");
    }

    [Fact]
    public async Task AnotherBrowserOfTheSameStaffMemberIsNotInsideTheCustomerSession()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var staff = await browser.NewPageAsync();
        await staff.SignInAsync(product, product.Accounts.Support, "/support");
        await staff.WaitForInteractiveAsync();
        await staff.Locator("[data-testid=customer-search-text]").FillAsync("novak");
        await staff.Locator("[data-testid=customer-search-submit]").ClickAsync();
        await staff.Locator($"[data-testid=customer][data-user-name='{product.Accounts.Holder.UserName}'] [data-testid=open-session]").ClickAsync();
        await staff.Locator("[data-testid=support-reason]").FillAsync("HD-2026-0777");
        await staff.Locator("[data-testid=start-session]").ClickAsync();
        await staff.WaitForURLAsync($"{product.PortalUrl}/");
        await Assertions.Expect(staff.Locator("[data-testid=support-banner]")).ToBeVisibleAsync();

        var elsewhere = await browser.NewPageAsync();
        await elsewhere.SignInAsync(product, product.Accounts.Support, "/");
        await elsewhere.WaitForInteractiveAsync();
        await Assertions.Expect(elsewhere.Locator("[data-testid=user-name]")).ToBeVisibleAsync();
        await Assertions.Expect(elsewhere.Locator("[data-testid=support-banner]")).ToHaveCountAsync(0);
        await elsewhere.OpenAsync(product, "/certificates");
        await Assertions.Expect(elsewhere.Locator("[data-testid=support-banner]")).ToHaveCountAsync(0);

        // The first browser is still in the session.
        await staff.ReloadAsync();
        await Assertions.Expect(staff.Locator("[data-testid=support-banner]")).ToBeVisibleAsync();
    }

    private static ILocator Field(IPage page, string name) => page.Locator($"[data-testid=field-{name}]");
}

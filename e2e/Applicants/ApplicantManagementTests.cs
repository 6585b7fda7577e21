using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Shouldly;

namespace Qtsp.E2E.Applicants;

/// <summary>The representative's applicant management in Chromium against the demo organisation.</summary>
[Collection(BrowserTests.Name)]
public sealed class ApplicantManagementTests(BrowserFixture browser) : IAsyncLifetime
{
    private ProductUnderTest _product = default!;

    public async Task InitializeAsync() => _product = await ProductUnderTest.StartWithDemoDeviceAsync();

    public async Task DisposeAsync() => await _product.DisposeAsync();

    private static ILocator Field(IPage page, string name) => page.Locator($"[data-testid=field-{name}]");

    private static async Task ChooseAsync(IPage page, string dropDownTestId, string text) =>
        await page.Locator($"select[data-testid={dropDownTestId}]").SelectOptionAsync(new SelectOptionValue { Label = text });

    [Fact]
    public async Task SearchRegisterWithLocalisedMessagesBlockAndReadTheAuditTrail()
    {
        var page = await browser.NewPageAsync();
        await page.SignInAsync(_product, _product.Accounts.Representative, "/applicants");
        await page.WaitForInteractiveAsync();
        var rows = page.Locator("[data-testid=applicant-link]");
        await Assertions.Expect(rows).ToHaveCountAsync(5);
        await Assertions.Expect(rows.First).ToHaveTextAsync("Černá Lucie");

        // The order is the database's: by employee number, then the same column again for the reverse.
        await page.Locator("[data-testid=sort-EmployeeNumber]").ClickAsync();
        await Assertions.Expect(rows.First).ToHaveTextAsync("Dvořáková Petra");
        await page.Locator("[data-testid=sort-EmployeeNumber]").ClickAsync();
        await Assertions.Expect(rows.First).ToHaveTextAsync("Veselá Jana");
        await Assertions.Expect(page.Locator("th[aria-sort=descending]")).ToContainTextAsync(PortalTexts.Czech("Applicants.EmployeeNumber"));
        await Assertions.Expect(page.Locator("[data-testid=applicant-pager-info]")).ToHaveTextAsync("1–5 z 5");

        await page.Locator("[data-testid=search-text]").FillAsync("proch");
        await page.Locator("[data-testid=search-submit]").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveTextAsync("Procházka Tomáš");

        await ChooseAsync(page, "search-by", PortalTexts.Czech("Applicants.SearchBy.DeviceSerial"));
        await page.Locator("[data-testid=search-text]").FillAsync("idp94");
        await page.Locator("[data-testid=search-submit]").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToHaveTextAsync("Procházka Tomáš");

        // Register: hostile and malformed input first — every field says what is wrong, nothing is saved.
        await page.OpenAsync(_product, "/applicants/new");
        await Field(page, "FirstName").FillAsync("Radek");
        await Field(page, "LastName").FillAsync("<script>alert('x')</script>");
        await Field(page, "Email").FillAsync("radek@@example");
        await Field(page, "EmployeeNumber").FillAsync("SM-0107");
        await Field(page, "DateOfBirth").FillAsync("1991-04-12");
        await page.Locator("[data-testid=save]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=error-LastName]")).ToHaveTextAsync(PortalTexts.Czech("Validation.Markup"));
        await Assertions.Expect(page.Locator("[data-testid=error-Email]")).ToHaveTextAsync(PortalTexts.Czech("Validation.Email"));
        await Assertions.Expect(page.Locator("[data-testid=form-message]")).ToContainTextAsync(PortalTexts.Czech("Validation.Summary"));
        (await Field(page, "FirstName").InputValueAsync()).ShouldBe("Radek", "what was typed stays");

        await Field(page, "LastName").FillAsync("Malý");
        await Field(page, "Email").FillAsync("radek.maly@stavby-morava.example");
        await page.Locator("[data-testid=save]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=error-EmployeeNumber]")).ToHaveTextAsync(PortalTexts.Czech("Validation.EmployeeNumberTaken"));

        await Field(page, "EmployeeNumber").FillAsync("sm-0301");
        await page.Locator("[data-testid=save]").ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/applicants/\\d+$"));
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.Locator("[data-testid=applicant-name]")).ToHaveTextAsync("Radek Malý");
        await Assertions.Expect(page.Locator("[data-testid=applicant-employee-number]")).ToHaveTextAsync("SM-0301");

        // Block: the reason is required; then the applicant is marked and cannot get new issuance data.
        await page.Locator("[data-testid=block]").ClickAsync();
        await page.Locator("[data-testid=block-confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=error-Reason]")).ToHaveTextAsync(PortalTexts.Czech("Validation.Required"));
        await page.Locator("[data-testid=block-reason]").FillAsync("Dlouhodobá nepřítomnost");
        await page.Locator("[data-testid=block-confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=blocked-badge]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=new-issuance]")).ToBeDisabledAsync();

        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = PortalTexts.Czech("Applicants.TabAudit") }).ClickAsync();
        var audit = page.Locator("[data-testid=audit-row]");
        await Assertions.Expect(audit).ToHaveCountAsync(2);
        await Assertions.Expect(audit.Nth(0)).ToHaveAttributeAsync("data-action", "applicant.blocked");
        await Assertions.Expect(audit.Nth(1)).ToHaveAttributeAsync("data-action", "applicant.registered");
        await Assertions.Expect(audit.Nth(0)).ToContainTextAsync(_product.Accounts.Representative.UserName);

        // The grid now finds the new applicant, blocked.
        await page.OpenAsync(_product, "/applicants");
        await page.Locator("[data-testid=search-text]").FillAsync("maly");
        await page.Locator("[data-testid=search-submit]").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=applicant-grid]")).ToContainTextAsync(PortalTexts.Czech("Applicants.BlockedBadge"));
    }
}

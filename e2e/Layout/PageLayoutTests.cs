using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Shouldly;

namespace Qtsp.E2E.Layout;

/// <summary>
/// Every page each role opens, in Czech and English, at a desktop width and at 800 px: the page never scrolls sideways
/// (wide tables scroll inside their own box, the menu folds away), the header keeps who is signed in, and nothing shows a
/// raw resource key. With QTSP_SCREENSHOTS set to a folder, each view is also saved there to be looked at.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class PageLayoutTests(BrowserFixture browser)
{
    private static readonly int[] Widths = [1400, 800];
    private static readonly string[] Cultures = ["cs", "en"];

    /// <summary>Pages rendered on the server without a circuit (they post forms that change the sign-in).</summary>
    private static readonly string[] StaticPages = ["/account", "/account/login", "/not-found", "/revoke"];

    [Fact]
    public async Task Every_page_of_every_role_fits_a_narrow_window_in_both_languages()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var views = new List<string>();

        var anonymous = await browser.NewPageAsync();
        foreach (var path in new[] { "/account/login", "/not-found", "/revoke" })
        {
            views.AddRange(await CheckAsync(anonymous, product, "anonymous", path, signedIn: false));
        }

        var roles = new (DemoAccount Account, string Name, string[] Paths, string? ListPath, string? DetailLink)[]
        {
            (product.Accounts.Holder, "holder", ["/", "/token", "/certificates", "/requests", "/account", "/renew-link/AlreadyUsed", "/renew-with-code"], "/certificates", "[data-testid=certificate-row] a"),
            (product.Accounts.Representative, "representative", ["/", "/applicants", "/certificates", "/requests", "/statistics", "/statistics/overview", "/account"], "/applicants", "[data-testid=applicant-link]"),
            (product.Accounts.Support, "support", ["/", "/support", "/account"], null, null),
            (product.Accounts.RaOperator, "operator", ["/", "/registration", "/statistics", "/renewal-codes", "/account"], null, null),
        };
        foreach (var (account, name, paths, listPath, detailLink) in roles)
        {
            var page = await browser.NewPageAsync();
            await page.SignInAsync(product, account);
            var all = paths.ToList();
            if (listPath is not null && detailLink is not null)
            {
                await page.GotoAsync(product.PortalUrl + listPath);
                await page.WaitForInteractiveAsync();
                // The demo data gives each of these roles at least one record to open (a grid may load after the page).
                var link = page.Locator(detailLink).First;
                await link.WaitForAsync();
                var detail = new Uri(product.PortalUrl + "/" + (await link.GetAttributeAsync("href"))!.TrimStart('/')).AbsolutePath;
                all.Add(detail);
                if (name == "holder")
                {
                    all.Add(detail + "/protocol"); // the issuance protocol of the demo holder's certificate
                    await page.GotoAsync(product.PortalUrl + "/requests");
                    await page.WaitForInteractiveAsync();
                    var request = page.Locator("[data-testid=request-number] a").First;
                    await request.WaitForAsync();
                    all.Add(new Uri(product.PortalUrl + "/" + (await request.GetAttributeAsync("href"))!.TrimStart('/')).AbsolutePath);
                }
            }

            foreach (var path in all)
            {
                views.AddRange(await CheckAsync(page, product, name, path, signedIn: true));
            }

            if (name == "holder")
            {
                await CheckMenuDrawerAsync(page, product);
            }

            await page.Context.CloseAsync();
        }

        views.Count.ShouldBeGreaterThanOrEqualTo(2 * 2 * 20);
    }

    /// <summary>
    /// The menu drawer follows the width (a media query, no script): beside the page on a wide screen, where the toggle
    /// hides it and gives the page the room; away on a narrow one, where the toggle lays it over the page above a backdrop
    /// that closes it, and following a link puts it away again. The window's title follows the page, first shown or not.
    /// </summary>
    private static async Task CheckMenuDrawerAsync(IPage page, ProductUnderTest product)
    {
        var drawer = page.Locator("#portal-drawer");
        var toggle = page.Locator("[data-testid=nav-toggle]:visible");
        var main = page.Locator("main.portal-main");
        await page.GotoAsync($"{product.PortalUrl}/culture/en?returnUrl=%2Fcertificates");
        await Assertions.Expect(page).ToHaveTitleAsync("Certificates"); // from the page's first rendering
        await page.WaitForInteractiveAsync();

        await page.SetViewportSizeAsync(1400, 900);
        await Assertions.Expect(drawer).ToBeInViewportAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        // The page beside the menu, once the margin's transition is over.
        await page.WaitForFunctionAsync("() => document.querySelector('main.portal-main').getBoundingClientRect().left >= document.querySelector('#portal-drawer').getBoundingClientRect().right");
        await toggle.ClickAsync();
        await Assertions.Expect(drawer).Not.ToBeInViewportAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await Assertions.Expect(main).ToHaveJSPropertyAsync("offsetLeft", 0);
        await toggle.ClickAsync();
        await Assertions.Expect(drawer).ToBeInViewportAsync();

        await page.SetViewportSizeAsync(800, 900);
        await Assertions.Expect(drawer).Not.ToBeInViewportAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");
        await toggle.ClickAsync();
        await Assertions.Expect(drawer).ToBeInViewportAsync();
        await Assertions.Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Assertions.Expect(page.Locator("[data-testid=nav-overlay]")).ToBeVisibleAsync();
        await page.Locator("[data-testid=nav-overlay]").ClickAsync(new() { Position = new() { X = 700, Y = 400 } });
        await Assertions.Expect(drawer).Not.ToBeInViewportAsync();

        await toggle.ClickAsync();
        await drawer.Locator("a[href=token]").ClickAsync();
        await page.WaitForURLAsync("**/token");
        await Assertions.Expect(page).ToHaveTitleAsync("My token"); // a page reached inside the circuit tells its title
        await Assertions.Expect(drawer).Not.ToBeInViewportAsync();
        await Assertions.Expect(page.Locator("[data-testid=nav-overlay]")).ToHaveCountAsync(0);
    }

    private static async Task<IEnumerable<string>> CheckAsync(IPage page, ProductUnderTest product, string role, string path, bool signedIn)
    {
        var views = new List<string>();
        foreach (var culture in Cultures)
        {
            await page.GotoAsync($"{product.PortalUrl}/culture/{culture}?returnUrl={Uri.EscapeDataString(path)}");
            if (signedIn && !StaticPages.Contains(path))
            {
                await page.WaitForInteractiveAsync();
            }

            foreach (var width in Widths)
            {
                await page.SetViewportSizeAsync(width, 1000);
                await page.WaitForTimeoutAsync(400); // the menu drawer slides away (CSS transition)
                var view = $"{role} {path} {culture} {width}px";
                var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
                var (scrollWidth, clientWidth) = (widths[0], widths[1]);
                scrollWidth.ShouldBeLessThanOrEqualTo(clientWidth + 1, $"{view}: the page scrolls sideways");
                var text = await page.Locator("body").InnerTextAsync();
                text.ShouldNotMatch(@"\b[A-Z][a-zA-Z]+\.[A-Z][a-zA-Z]+(\.[A-Z][a-zA-Z]+)*\b(?<!\.cz)", $"{view}: a raw resource key on screen");
                if (signedIn)
                {
                    await Assertions.Expect(page.Locator("[data-testid=user-name]")).ToBeVisibleAsync();
                }

                if (Environment.GetEnvironmentVariable("QTSP_SCREENSHOTS") is { Length: > 0 } folder)
                {
                    Directory.CreateDirectory(folder);
                    var name = $"{role}{path.Replace('/', '_')}-{culture}-{width}.png";
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
                }

                views.Add(view);
            }
        }

        return views;
    }
}

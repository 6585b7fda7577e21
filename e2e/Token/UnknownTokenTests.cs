using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;

namespace Qtsp.E2E.Token;

/// <summary>The agent, configured for a SoftHSM2 store it has never seen, shows that token as it is.</summary>
[Collection(BrowserTests.Name)]
public sealed class UnknownTokenTests(BrowserFixture browser)
{
    [Fact]
    public async Task ShowsLabelAndObjectsOfATokenConfiguredOnlyThroughSettings()
    {
        using var workspace = SoftHsmWorkspace.Create("never-seen");
        await workspace.InitTokenAsync("NeverSeen42", soPin: "87654321", userPin: "4321");
        await workspace.Pkcs11ToolCheckedAsync(["--token-label", "NeverSeen42", "--login", "--pin", "4321", "--keypairgen", "--key-type", "EC:prime256v1", "--label", "p11#orphan", "--id", "a1"]);

        // Module path and SOFTHSM2_CONF reach the agent only through its configuration.
        await using var product = await ProductUnderTest.StartAsync(new AgentSetup(
            [RepositoryPaths.SoftHsmModule],
            new Dictionary<string, string> { ["SOFTHSM2_CONF"] = workspace.ConfigPath }));
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);

        await Assertions.Expect(page.Devices).ToHaveCountAsync(1);
        var area = page.Area("Standard");
        await Assertions.Expect(area).ToContainTextAsync("NeverSeen42");
        var key = area.Locator("[data-testid=key][data-id=A1]");
        await Assertions.Expect(key.Locator("[data-testid=key-label]")).ToHaveTextAsync("p11#orphan");
        await Assertions.Expect(key).ToHaveAttributeAsync("data-role", "Orphan");
        await Assertions.Expect(key).ToContainTextAsync("P-256");
    }
}

using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.RunCommand;

/// <summary>
/// The cluster command (eng/cluster.sh) as a person runs it: HAProxy in front of two portal instances on one PostgreSQL
/// database. Two people on different instances see each other's changes; the instance one of them is on is killed while
/// four more tabs on both instances keep registering applicants: the page comes back on the other instance, still signed
/// in, with the form being filled in, the tabs go on there, and every registration a tab saw confirmed is stored once;
/// Ctrl+C stops it all.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class ClusterCommandTests(BrowserFixture browser)
{
    [Fact]
    public async Task Two_instances_behind_haproxy_share_their_data_and_a_killed_instance_under_load_hands_its_pages_to_the_other_signed_in_with_the_form()
    {
        int[] ports = [ProductProcess.FreePort(), ProductProcess.FreePort()];
        await using var product = await ProductUnderTest.StartWithClusterCommandAsync(ports);
        product.PortalOutput.ShouldContain($"Portal (HAProxy):  {product.PortalUrl}");
        var pids = product.ClusterInstancePids();
        pids.Count.ShouldBe(2);

        // Each person pinned to an instance by HAProxy's sticky cookie, as the first answer would have set it.
        var representative = await PageOnAsync(product, "portal-1");
        var operatorPage = await PageOnAsync(product, "portal-2");
        await representative.SignInAsync(product, product.Accounts.Representative, "/applicants/new");
        await operatorPage.SignInAsync(product, product.Accounts.RaOperator);
        (await InstanceOfAsync(representative)).ShouldBe("portal-1");
        (await InstanceOfAsync(operatorPage)).ShouldBe("portal-2");

        // A change on one instance is seen on the other.
        await representative.WaitForInteractiveAsync();
        await Field(representative, "FirstName").FillAsync("Klára");
        await Field(representative, "LastName").FillAsync("Shluková");
        await Field(representative, "Email").FillAsync("klara.shlukova@stavby-morava.example");
        await Field(representative, "DateOfBirth").FillAsync("1990-02-14");
        await representative.Locator("[data-testid=save]").ClickAsync();
        await representative.WaitForURLAsync(ApplicantAddress());
        var applicantPath = new Uri(representative.Url).AbsolutePath;
        await operatorPage.OpenAsync(product, applicantPath);
        await Assertions.Expect(operatorPage.Locator("[data-testid=applicant-name]")).ToHaveTextAsync("Klára Shluková");

        // The representative starts the next applicant; the form's checkpoint is taken within a few seconds.
        await representative.OpenAsync(product, "/applicants/new");
        await Field(representative, "FirstName").FillAsync("Ondřej");
        await Field(representative, "LastName").FillAsync("Převzatý");
        await Field(representative, "Email").FillAsync("ondrej.prevzaty@stavby-morava.example");
        await Field(representative, "DateOfBirth").FillAsync("1985-09-03");
        await Field(representative, "DateOfBirth").PressAsync("Tab");
        await Task.Delay(TimeSpan.FromSeconds(7));

        // Under load: four more tabs of the representative (two on each instance) keep registering applicants meanwhile.
        var signedIn = await representative.Context.StorageStateAsync();
        await using var load = await RegistrationLoad.StartAsync(browser, product, signedIn, ["portal-1", "portal-1", "portal-2", "portal-2"]);
        await load.WaitForSavesAsync(after: DateTime.UtcNow, each: 1);

        // portal-1 dies (no shutdown: its circuits, memory and connections are gone at once).
        await ProcessRunner.RunCheckedAsync("kill", ["-KILL", pids[0].ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var killedAt = DateTime.UtcNow;

        // The page reconnects, is refused by portal-2 (it never had this circuit), reloads there: signed in, the form back.
        await Assertions.Expect(representative.Locator("[data-testid=draft-restored]")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 30_000 });
        var tookOver = DateTime.UtcNow - killedAt;
        representative.Url.ShouldEndWith("/applicants/new");
        (await InstanceOfAsync(representative)).ShouldBe("portal-2");
        await Assertions.Expect(Field(representative, "FirstName")).ToHaveValueAsync("Ondřej");
        await Assertions.Expect(Field(representative, "LastName")).ToHaveValueAsync("Převzatý");
        await Assertions.Expect(Field(representative, "Email")).ToHaveValueAsync("ondrej.prevzaty@stavby-morava.example");
        await Assertions.Expect(Field(representative, "DateOfBirth")).ToHaveValueAsync("1985-09-03");
        tookOver.ShouldBeLessThan(TimeSpan.FromSeconds(20), "the page is back within seconds");

        // It saves on portal-2, and the other person (who was there all along) sees it; the earlier applicant is still there.
        await representative.Locator("[data-testid=save]").ClickAsync();
        await representative.WaitForURLAsync(ApplicantAddress());
        await Assertions.Expect(representative.Locator("[data-testid=applicant-name]")).ToHaveTextAsync("Ondřej Převzatý");
        await operatorPage.OpenAsync(product, new Uri(representative.Url).AbsolutePath);
        await Assertions.Expect(operatorPage.Locator("[data-testid=applicant-name]")).ToHaveTextAsync("Ondřej Převzatý");
        await operatorPage.OpenAsync(product, applicantPath);
        await Assertions.Expect(operatorPage.Locator("[data-testid=applicant-name]")).ToHaveTextAsync("Klára Shluková");

        // The tabs under load went on: each saved twice more after the kill (those of portal-1 now on portal-2); every
        // registration a tab saw confirmed is stored, and none is stored twice.
        await load.WaitForSavesAsync(after: killedAt, each: 2);
        var confirmed = await load.StopAsync();
        var stored = await product.ClusterQueryAsync("""SELECT "LastName" FROM "Applicants" WHERE "LastName" LIKE 'Zatez%'""");
        stored.ShouldBeUnique();
        confirmed.ShouldBeSubsetOf(stored, "every confirmed registration is stored");
        confirmed.Count.ShouldBeGreaterThanOrEqualTo(12);

        // Ctrl+C stops HAProxy, the instance left and PostgreSQL.
        (await product.InterruptAsync(TimeSpan.FromSeconds(20))).ShouldBeTrue($"Ctrl+C ends the cluster command:\n{product.PortalOutput}");
        await ShouldBeClosedAsync(product.PortalUrl);
        await ShouldBeClosedAsync($"http://127.0.0.1:{ports[1]}");
    }

    private async Task<IPage> PageOnAsync(ProductUnderTest product, string instance)
    {
        var page = await browser.NewPageAsync();
        await page.Context.AddCookiesAsync([new Cookie { Name = "SERVERID", Value = instance, Url = product.PortalUrl }]);
        return page;
    }

    private static async Task<string?> InstanceOfAsync(IPage page) =>
        (await page.Context.CookiesAsync()).SingleOrDefault(c => c.Name == "SERVERID")?.Value;

    private static ILocator Field(IPage page, string name) => page.Locator($"[data-testid=field-{name}]");

    private static async Task ShouldBeClosedAsync(string url)
    {
        var uri = new Uri(url);
        using var client = new TcpClient();
        await Should.ThrowAsync<SocketException>(() => client.ConnectAsync(uri.Host, uri.Port));
    }

    [GeneratedRegex("/applicants/\\d+$")]
    private static partial Regex ApplicantAddress();
}

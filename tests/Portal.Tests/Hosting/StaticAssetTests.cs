using System.Net;

namespace Qtsp.Portal.Tests.Hosting;

/// <summary>The scripts and styles the pages need are served by the running portal (MapStaticAssets + build-time assets).</summary>
public sealed class StaticAssetTests(PortalServerFixture portal) : IClassFixture<PortalServerFixture>
{
    private HttpClient Client => portal.Server.Client;

    [Theory]
    [InlineData("_framework/blazor.web.js", "components-reconnect-state-changed")] // the .NET 10 script
    [InlineData("_content/MudBlazor/MudBlazor.min.js", "mudElementRef")] // package asset
    [InlineData("lib/signalr/signalr.min.js", "signalR")] // npm build copied at build time (eng/NpmAssets.targets)
    [InlineData("js/agent-bridge.js", "export function start")] // the portal's own module, by its plain path
    [InlineData("Components/Layout/ReconnectModal.razor.js", "components-reconnect-modal")]
    public async Task Script_is_served(string path, string marker)
    {
        using var response = await Client.GetAsync(path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("text/javascript");
        var body = await response.Content.ReadAsStringAsync();
        body.Length.ShouldBeGreaterThan(100);
        body.ShouldContain(marker);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/token")]
    public async Task Everything_a_page_references_is_served(string path)
    {
        var page = await Client.GetPageAsync(path, portal.SignedIn());
        var references = page.QuerySelectorAll("script[src]").Select(e => e.GetAttribute("src")!)
            .Concat(page.QuerySelectorAll("link[href]").Select(e => e.GetAttribute("href")!))
            .ToArray();

        references.ShouldContain(r => r.StartsWith("_framework/blazor.web", StringComparison.Ordinal));
        references.ShouldContain(r => r.StartsWith("_content/MudBlazor/MudBlazor", StringComparison.Ordinal));
        foreach (var reference in references)
        {
            using var response = await Client.GetAsync(reference);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, reference);
        }
    }

    /// <summary>The script is the framework package's own, byte for byte: nothing of ours builds or patches it.</summary>
    [Fact]
    public async Task Blazor_script_is_the_framework_package_file()
    {
        var served = await Client.GetByteArrayAsync("_framework/blazor.web.js");

        served.ShouldBe(await File.ReadAllBytesAsync(FrameworkPackageScript()));
    }

    /// <summary>The Blazor script puts one state class on the dialog: the styles must turn each into a message.</summary>
    [Fact]
    public async Task Stylesheet_shows_the_reconnect_modal_with_one_message_per_state()
    {
        var page = await Client.GetPageAsync("/", portal.SignedIn());
        var stylesheet = page.QuerySelectorAll("link[rel=stylesheet]").Select(l => l.GetAttribute("href")!).Single(h => h.StartsWith("css/app", StringComparison.Ordinal));

        var css = string.Join(' ', (await Client.GetStringAsync(stylesheet)).Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));

        foreach (var (state, text) in new[] { ("show", "show"), ("retrying", "show"), ("paused", "show"), ("failed", "failed"), ("rejected", "rejected"), ("resume-failed", "rejected") })
        {
            css.ShouldContain($".components-reconnect-{state} .reconnect-{text}-text");
        }
    }

    /// <summary>A rule left open (a merge that lost a brace) silently disables every rule after it.</summary>
    [Fact]
    public void Stylesheet_braces_balance_rule_by_rule()
    {
        var css = File.ReadAllText(Path.Combine(Qtsp.TestSupport.RepositoryPaths.Root, "portal", "wwwroot", "css", "app.css"));
        var depth = 0;
        var line = 1;
        foreach (var c in System.Text.RegularExpressions.Regex.Replace(css, @"/\*.*?\*/", m => new string('\n', m.Value.Count(ch => ch == '\n')), System.Text.RegularExpressions.RegexOptions.Singleline))
        {
            line += c == '\n' ? 1 : 0;
            depth += c switch { '{' => 1, '}' => -1, _ => 0 };
            depth.ShouldBeInRange(0, 2, $"app.css line {line}");
        }

        depth.ShouldBe(0);
        css.ShouldContain(".support-banner {");
    }

    /// <summary>blazor.web.js in the NuGet package the SDK restored for the portal (its project.assets.json says which).</summary>
    private static string FrameworkPackageScript()
    {
        using var assets = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Qtsp.TestSupport.RepositoryPaths.Root, "portal", "obj", "project.assets.json")));
        var library = assets.RootElement.GetProperty("libraries").EnumerateObject()
            .Single(l => l.Name.StartsWith("Microsoft.AspNetCore.App.Internal.Assets/", StringComparison.OrdinalIgnoreCase));
        var folders = assets.RootElement.GetProperty("packageFolders").EnumerateObject().Select(f => f.Name);
        return folders.Select(folder => Path.Combine(folder, library.Value.GetProperty("path").GetString()!, "_framework", "blazor.web.js")).First(File.Exists);
    }
}

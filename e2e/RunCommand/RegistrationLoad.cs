using System.Collections.Concurrent;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;

namespace Qtsp.E2E.RunCommand;

/// <summary>
/// Tabs of one signed-in person (its browser state), each pinned to a cluster instance by HAProxy's cookie, registering
/// applicants one after another until stopped: a new applicant form, filled in and saved, counted once the applicant's
/// page shows. A save that fails (the instance died under it) is not retried: the tab starts the next one, as a person
/// who saw no confirmation would check the list first. Names are letters only (the form refuses digits in names).
/// </summary>
public sealed class RegistrationLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, ConcurrentBag<DateTime>> _savedAt = new();
    private readonly ConcurrentBag<string> _confirmed = [];
    private readonly List<IBrowserContext> _contexts = [];
    private Task[] _tabs = [];

    public static async Task<RegistrationLoad> StartAsync(BrowserFixture browser, ProductUnderTest product, string signedInState, IReadOnlyList<string> instances)
    {
        var load = new RegistrationLoad();
        var pages = new List<IPage>();
        foreach (var instance in instances)
        {
            var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { StorageState = signedInState, Locale = "cs-CZ" });
            BrowserContexts.Track(context);
            await context.AddCookiesAsync([new Cookie { Name = "SERVERID", Value = instance, Url = product.PortalUrl }]);
            load._contexts.Add(context);
            pages.Add(await context.NewPageAsync());
        }

        load._tabs = [.. pages.Select((page, tab) => Task.Run(() => load.RegisterUntilStoppedAsync(page, product, tab)))];
        return load;
    }

    /// <summary>Waits until every tab has saved <paramref name="each"/> applicants since <paramref name="after"/>.</summary>
    public async Task WaitForSavesAsync(DateTime after, int each)
    {
        var until = DateTime.UtcNow.AddSeconds(90);
        while (Enumerable.Range(0, _tabs.Length).Any(tab => SavedSince(tab, after) < each))
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Not every tab saved {each} applicants within 90 s: {string.Join(", ", Enumerable.Range(0, _tabs.Length).Select(tab => SavedSince(tab, after)))}.");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Stops the tabs; the applicants' surnames each tab saw saved.</summary>
    public async Task<IReadOnlyList<string>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_tabs);
        return [.. _confirmed];
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }

        _stop.Dispose();
    }

    private async Task RegisterUntilStoppedAsync(IPage page, ProductUnderTest product, int tab)
    {
        page.SetDefaultTimeout(20_000);
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var surname = "Zatez" + Letters(tab) + Letters(n);
            try
            {
                await page.GotoAsync(product.PortalUrl + "/applicants/new");
                await page.WaitForInteractiveAsync();
                await Field(page, "FirstName").FillAsync("Zátěž");
                await Field(page, "LastName").FillAsync(surname);
                await Field(page, "Email").FillAsync($"{surname.ToLowerInvariant()}@stavby-morava.example");
                await Field(page, "DateOfBirth").FillAsync("1990-02-14");
                await page.Locator("[data-testid=save]").ClickAsync();
                await Assertions.Expect(page.Locator("[data-testid=applicant-name]")).ToHaveTextAsync($"Zátěž {surname}");
                _confirmed.Add(surname);
                _savedAt.GetOrAdd(tab, _ => []).Add(DateTime.UtcNow);
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                // The instance went away under this registration: the next one starts afresh.
            }
        }
    }

    private int SavedSince(int tab, DateTime after) => _savedAt.TryGetValue(tab, out var saved) ? saved.Count(at => at > after) : 0;

    private static ILocator Field(IPage page, string name) => page.Locator($"[data-testid=field-{name}]");

    // 0 → "a", 25 → "z", 26 → "ba": a number in letters.
    private static string Letters(int number)
    {
        var letters = "";
        do
        {
            letters = (char)('a' + (number % 26)) + letters;
            number /= 26;
        }
        while (number > 0);
        return letters;
    }
}

using Microsoft.Playwright;

namespace Qtsp.E2E.Token;

/// <summary>The page's own PIN dialog (wwwroot/js/secret-dialog.js), as a user fills it in.</summary>
public sealed class SecretDialog(IPage page)
{
    public ILocator Root => page.Locator("[data-testid=secret-dialog]");

    public ILocator Message => page.Locator("[data-testid=secret-dialog-message]");

    public ILocator FinalTryConfirmation => Root.Locator("input[name=confirmFinalTry]");

    public async Task FillAsync(params (string Field, string Value)[] values)
    {
        await Assertions.Expect(Root).ToBeVisibleAsync();
        foreach (var (field, value) in values)
        {
            await Root.Locator($"input[name={field}]").FillAsync(value);
        }
    }

    public Task SubmitAsync() => Root.Locator("[data-testid=secret-dialog-submit]").ClickAsync();

    public Task CancelAsync() => Root.Locator("[data-testid=secret-dialog-cancel]").ClickAsync();

    public async Task SubmitAndCloseAsync(params (string Field, string Value)[] values)
    {
        await FillAsync(values);
        await SubmitAsync();
        await Assertions.Expect(Root).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 30_000 });
    }

    /// <summary>A MudBlazor snackbar saying <paramref name="text"/>: what the page tells the user after an operation.</summary>
    public static ILocator Notification(IPage page, string text) => page.Locator(".mud-snackbar", new PageLocatorOptions { HasText = text });
}

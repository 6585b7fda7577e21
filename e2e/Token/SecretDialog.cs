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
        // This dialog must go; the operation's next one (e.g. installing the certificate after the key) may take its place
        // at once, so "no dialog on the page" is not the sign.
        await Root.EvaluateAsync("dialog => dialog.dataset.submitted = 'true'");
        await SubmitAsync();
        try
        {
            await Assertions.Expect(page.Locator("[data-testid=secret-dialog][data-submitted=true]")).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 30_000 });
        }
        catch (PlaywrightException e)
        {
            // Say where it stopped: the dialog's progress or error line.
            throw new PlaywrightException($"The dialog stayed open; it said: {await Root.InnerTextAsync(new LocatorInnerTextOptions { Timeout = 2_000 })}", e);
        }
    }

    /// <summary>A MudBlazor snackbar saying <paramref name="text"/>: what the page tells the user after an operation.</summary>
    public static ILocator Notification(IPage page, string text) => page.Locator(".mud-snackbar", new PageLocatorOptions { HasText = text });
}

using Microsoft.Playwright;

namespace Qtsp.E2E.Infrastructure;

/// <summary>Screenshots of a state a page reaches only inside a flow, at a wide and a narrow width, when QTSP_SCREENSHOTS names a folder.</summary>
public static class Screenshots
{
    public static async Task TakeAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("QTSP_SCREENSHOTS") is not { Length: > 0 } folder)
        {
            return;
        }

        Directory.CreateDirectory(folder);
        var original = page.ViewportSize;
        foreach (var width in new[] { 1400, 800 })
        {
            await page.SetViewportSizeAsync(width, 1000);
            await page.WaitForTimeoutAsync(400);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}-{width}.png"), FullPage = true });
        }

        if (original is not null)
        {
            await page.SetViewportSizeAsync(original.Width, original.Height);
        }
    }
}

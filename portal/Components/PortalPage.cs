using Microsoft.AspNetCore.Components;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Components;

/// <summary>
/// Base of the pages that show customer data: a refused record reads as "not found or not yours" (status 404 when the
/// page is rendered on the server), a database outage as a localised "try again, nothing was changed".
/// </summary>
public abstract class PortalPage : ComponentBase, IDisposable
{
    private IDisposable? _draft;
    private Func<Task>? _restoreDraft;

    [Inject]
    private FormDrafts Drafts { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    /// <summary>The form shows what was typed before the sign-in ran out (see <see cref="KeepDraft{T}"/>).</summary>
    protected bool DraftRestored { get; private set; }

    [CascadingParameter]
    protected HttpContext? HttpContext { get; set; }

    /// <summary>The record asked for is not there for this account.</summary>
    protected bool Refused { get; private set; }

    /// <summary>A message for the whole page (a text key), e.g. the database being unavailable.</summary>
    protected string? PageErrorKey { get; set; }

    protected async Task<T?> LoadAsync<T>(Func<Task<T>> load)
    {
        try
        {
            PageErrorKey = null;
            return await load();
        }
        catch (AccessRefusedException)
        {
            Refused = true;
            if (HttpContext is { Response.HasStarted: false } context)
            {
                // This page says what happened itself; the generic not-found page must not replace it.
                if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusPages)
                {
                    statusPages.Enabled = false;
                }

                context.Response.StatusCode = StatusCodes.Status403Forbidden;
            }
        }
        catch (PortalException exception)
        {
            PageErrorKey = exception.MessageKey;
            if (HttpContext is { Response.HasStarted: false } context && exception is DataUnavailableException)
            {
                if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } statusPages)
                {
                    statusPages.Enabled = false;
                }

                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        }

        return default;
    }

    /// <summary>Runs a command; a database outage or a refusal becomes the page's message and the form keeps what was typed.</summary>
    protected async Task<T?> RunAsync<T>(Func<Task<T>> command) where T : class
    {
        try
        {
            PageErrorKey = null;
            return await command();
        }
        catch (AccessRefusedException)
        {
            PageErrorKey = "Access.Refused";
        }
        catch (PortalException exception)
        {
            PageErrorKey = exception.MessageKey;
        }

        return null;
    }

    /// <summary>
    /// Registers the page's form input to be kept should the page have to go before it is saved (the sign-in running out),
    /// and takes back what was kept for this address before, once the page runs in the browser.
    /// </summary>
    protected void KeepDraft<T>(Func<T> current, Action<T> restore) where T : class
    {
        var key = new Uri(Navigation.Uri).AbsolutePath;
        _draft?.Dispose();
        _draft = Drafts.Open(key, current);
        _restoreDraft = async () =>
        {
            if (await Drafts.TakeAsync<T>(key) is { } draft)
            {
                restore(draft);
                DraftRestored = true;
                StateHasChanged();
            }
        }; // runs after the render that follows OnParametersSetAsync, once the page is interactive
    }

    /// <summary>The form was saved: nothing to keep any more.</summary>
    protected void DropDraft()
    {
        _draft?.Dispose();
        _draft = null;
        DraftRestored = false;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_restoreDraft is { } restore && RendererInfo.IsInteractive)
        {
            _restoreDraft = null;
            await restore();
        }
    }

    public void Dispose()
    {
        _draft?.Dispose();
        GC.SuppressFinalize(this);
    }
}

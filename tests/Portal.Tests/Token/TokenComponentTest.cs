using System.Globalization;
using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Qtsp.Portal.Tests.Components;

namespace Qtsp.Portal.Tests.Token;

/// <summary>bUnit for the token page's components: a rendering in a given language, and MudBlazor's dialog host.</summary>
public abstract class TokenComponentTest : PortalComponentTest
{
    /// <summary>The component rendered in <paramref name="culture"/>, as one element to query.</summary>
    protected IElement RenderIn<TComponent>(CultureInfo culture, Action<ComponentParameterCollectionBuilder<TComponent>> parameters)
        where TComponent : IComponent
    {
        UseCulture(culture);
        var rendered = Render(parameters);
        var body = rendered.Nodes.Length > 0 ? rendered.Nodes[0].Owner!.CreateElement("div") : throw new InvalidOperationException("Nothing rendered.");
        foreach (var node in rendered.Nodes)
        {
            body.AppendChild(node.Clone());
        }

        return body;
    }

    /// <summary>MudBlazor's dialog host, where the dialogs opened through <see cref="IDialogService"/> render.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderDialogHost()
    {
        Render<MudPopoverProvider>();
        return Render<MudDialogProvider>();
    }

    /// <summary>Opens a dialog the way the page does; returns its reference, whose Result says how it ended.</summary>
    protected async Task<IDialogReference> OpenAsync<TDialog>(IRenderedComponent<MudDialogProvider> host, DialogParameters<TDialog> parameters)
        where TDialog : IComponent
    {
        IDialogReference? reference = null;
        await host.InvokeAsync(async () => reference = await Services.GetRequiredService<IDialogService>().ShowAsync<TDialog>("dialog", parameters));
        return reference!;
    }
}

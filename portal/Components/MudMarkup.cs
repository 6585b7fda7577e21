using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Qtsp.Portal.Components;

/// <summary>
/// MudBlazor's look as plain markup, for the elements of pages that stay open for long (My token, the applicant list):
/// every component costs each open page a few KB of server memory for as long as it is open (two render-tree buffers and
/// its state; docs/scaling.md), and an icon, a text, a chip or a button needs none of what a component adds. The classes
/// are MudBlazor's own, so the theme and its CSS apply unchanged. Events stay on the page's own component.
/// </summary>
public static class MudMarkup
{
    /// <summary>The look of most actions on a device: small, outlined.</summary>
    public static readonly string SmallOutlinedButton = Button(Variant.Outlined, size: Size.Small);

    public static string Button(Variant variant, Color color = Color.Default, Size size = Size.Medium, string? @class = null)
    {
        var v = Css(variant);
        return $"mud-button-root mud-button mud-button-{v} mud-button-{v}-{Css(color)} mud-button-{v}-size-{Css(size)} mud-ripple {@class}".TrimEnd();
    }

    /// <summary>A button's content: the start icon, then the text.</summary>
    public static RenderFragment Label(string icon, string text, Size size = Size.Medium) => builder =>
    {
        builder.OpenElement(0, "span");
        builder.AddAttribute(1, "class", "mud-button-label");
        builder.OpenElement(2, "span");
        builder.AddAttribute(3, "class", $"mud-button-icon-start mud-button-icon-size-{Css(size)}");
        builder.AddContent(10, Svg(icon, $"mud-icon-size-{Css(size)}"));
        builder.CloseElement();
        builder.AddContent(20, text);
        builder.CloseElement();
    };

    public static RenderFragment Icon(string icon, Size size = Size.Medium, Color color = Color.Inherit, string? @class = null) =>
        Svg(icon, $"{(color is Color.Inherit or Color.Default ? "" : $"mud-{Css(color)}-text ")}mud-icon-size-{Css(size)} {@class}".TrimEnd());

    public static string Chip(Color color = Color.Default, Variant variant = Variant.Filled, Size size = Size.Small) =>
        $"mud-chip mud-chip-{Css(variant)} mud-chip-size-{Css(size)} mud-chip-color-{Css(color)}";

    /// <summary>A chip's content: an optional icon, then the text.</summary>
    public static RenderFragment ChipContent(string text, string? icon = null) => builder =>
    {
        if (icon is not null)
        {
            builder.AddContent(0, Svg(icon, "mud-icon-size-small mud-chip-icon"));
        }

        builder.OpenElement(10, "span");
        builder.AddAttribute(11, "class", "mud-chip-content");
        builder.AddContent(12, text);
        builder.CloseElement();
    };

    public static string Text(Typo typo, string? @class = null, Color color = Color.Inherit) =>
        $"mud-typography mud-typography-{Css(typo)}{(color is Color.Inherit or Color.Default ? "" : $" mud-{Css(color)}-text")} {@class}".TrimEnd();

    public const string Link = "mud-typography mud-link mud-primary-text mud-link-underline-hover";

    public static string Table(string? @class = null) => $"mud-table mud-simple-table mud-table-dense mud-table-hover mud-table-outlined {@class}".TrimEnd();

    private static RenderFragment Svg(string icon, string classes) => builder =>
    {
        builder.OpenElement(0, "svg");
        builder.AddAttribute(1, "class", $"mud-icon-root mud-svg-icon {classes}");
        builder.AddAttribute(2, "focusable", "false");
        builder.AddAttribute(3, "viewBox", "0 0 24 24");
        builder.AddAttribute(4, "aria-hidden", "true");
        builder.AddMarkupContent(5, icon);
        builder.CloseElement();
    };

    private static string Css<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}

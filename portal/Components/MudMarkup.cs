using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Unicode;
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
    public static MarkupString Label(string icon, string text, Size size = Size.Medium) => Cached(
        new Piece(PieceKind.Label, icon, Css(size), text),
        piece => $"<span class=\"mud-button-label\"><span class=\"mud-button-icon-start mud-button-icon-size-{piece.Classes}\">{Svg(piece.Icon, $"mud-icon-size-{piece.Classes}")}</span>{Encode(piece.Text)}</span>");

    public static MarkupString Icon(string icon, Size size = Size.Medium, Color color = Color.Inherit, string? @class = null) => Cached(
        new Piece(PieceKind.Icon, icon, $"{(color is Color.Inherit or Color.Default ? "" : $"mud-{Css(color)}-text ")}mud-icon-size-{Css(size)} {@class}".TrimEnd(), ""),
        piece => Svg(piece.Icon, piece.Classes));

    /// <summary>A menu link's content: its icon, then its text.</summary>
    public static MarkupString NavLinkContent(string icon, string text) => Cached(
        new Piece(PieceKind.NavLink, icon, "", text),
        piece => $"{Svg(piece.Icon, "mud-icon-size-medium mud-nav-link-icon mud-nav-link-icon-default")}<div class=\"mud-nav-link-text\">{Encode(piece.Text)}</div>");

    public static string Chip(Color color = Color.Default, Variant variant = Variant.Filled, Size size = Size.Small) =>
        $"mud-chip mud-chip-{Css(variant)} mud-chip-size-{Css(size)} mud-chip-color-{Css(color)}";

    /// <summary>A chip's content: an optional icon, then the text.</summary>
    public static MarkupString ChipContent(string text, string? icon = null) => Cached(
        new Piece(PieceKind.Chip, icon ?? "", "", text),
        piece => $"{(piece.Icon.Length > 0 ? Svg(piece.Icon, "mud-icon-size-small mud-chip-icon") : "")}<span class=\"mud-chip-content\">{Encode(piece.Text)}</span>");

    public static string Text(Typo typo, string? @class = null, Color color = Color.Inherit) =>
        $"mud-typography mud-typography-{Css(typo)}{(color is Color.Inherit or Color.Default ? "" : $" mud-{Css(color)}-text")} {@class}".TrimEnd();

    public const string Link = "mud-typography mud-link mud-primary-text mud-link-underline-hover";

    public static string Table(string? @class = null) => $"mud-table mud-simple-table mud-table-dense mud-table-hover mud-table-outlined {@class}".TrimEnd();

    private static string Svg(string icon, string classes) =>
        $"<svg class=\"mud-icon-root mud-svg-icon {Encode(classes)}\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\">{icon}</svg>";

    /// <summary>
    /// One markup frame instead of the dozen an element tree takes (every frame is held twice by every open page), built
    /// once per icon, size and text and shared by all pages. Most texts are the portal's own resources, so the pieces are
    /// few; texts with data in them (a serial number) would fill the cache over time, so a full cache starts again.
    /// </summary>
    private static MarkupString Cached(Piece piece, Func<Piece, string> build)
    {
        if (Pieces.TryGetValue(piece, out var markup))
        {
            return markup;
        }

        if (Pieces.Count >= MaxCachedPieces)
        {
            Pieces.Clear();
        }

        return Pieces.GetOrAdd(piece, new MarkupString(build(piece)));
    }

    private const int MaxCachedPieces = 4096;

    internal static int CachedPieceCount => Pieces.Count;

    private static readonly ConcurrentDictionary<Piece, MarkupString> Pieces = new();

    /// <summary>Keeps letters of every language as they are (Czech, Polish); escapes what HTML needs escaped.</summary>
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private static string Encode(string text) => Encoder.Encode(text);

    private enum PieceKind
    {
        Label,
        Icon,
        Chip,
        NavLink,
    }

    /// <summary>The icon is MudBlazor's SVG content (a constant of its Icons class, trusted markup); the text is escaped.</summary>
    private readonly record struct Piece(PieceKind Kind, string Icon, string Classes, string Text);

    private static string Css<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
}

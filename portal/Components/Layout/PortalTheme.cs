using MudBlazor;

namespace Qtsp.Portal.Components.Layout;

/// <summary>
/// The portal's look: MudBlazor's Material theme with the operating system's fonts (the portal loads nothing from
/// other sites, so no web fonts) and a palette close to a trust service provider's sober blue.
/// </summary>
public static class PortalTheme
{
    private static readonly string[] SystemFonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1f4e8c",
            Secondary = "#5c6b7a",
            AppbarBackground = "#1f4e8c",
            Background = "#f6f7f9",
            DrawerBackground = "#ffffff",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts },
            H1 = new H1Typography { FontFamily = SystemFonts },
            H2 = new H2Typography { FontFamily = SystemFonts },
            H3 = new H3Typography { FontFamily = SystemFonts, FontSize = "1.75rem", FontWeight = "500" },
            H4 = new H4Typography { FontFamily = SystemFonts, FontSize = "1.5rem", FontWeight = "500" },
            H5 = new H5Typography { FontFamily = SystemFonts, FontSize = "1.25rem", FontWeight = "500" },
            H6 = new H6Typography { FontFamily = SystemFonts, FontSize = "1.1rem", FontWeight = "500" },
            Body1 = new Body1Typography { FontFamily = SystemFonts },
            Body2 = new Body2Typography { FontFamily = SystemFonts },
            Button = new ButtonTypography { FontFamily = SystemFonts, TextTransform = "none" },
            Caption = new CaptionTypography { FontFamily = SystemFonts },
            Subtitle1 = new Subtitle1Typography { FontFamily = SystemFonts },
            Subtitle2 = new Subtitle2Typography { FontFamily = SystemFonts },
            Overline = new OverlineTypography { FontFamily = SystemFonts },
        },
    };
}

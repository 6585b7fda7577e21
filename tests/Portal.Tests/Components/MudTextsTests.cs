using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Qtsp.Portal.Tests.Components;

/// <summary>MudBlazor's own words (a grid's pager) speak the page's language.</summary>
public sealed class MudTextsTests : PortalComponentTest
{
    [Fact]
    public void A_grid_pager_is_czech_on_a_czech_page_and_english_on_an_english_one()
    {
        Render<MudPopoverProvider>();
        var czech = Render<MudDataGrid<int>>(p => p
            .Add(g => g.Items, Enumerable.Range(1, 45))
            .Add(g => g.Columns, Column())
            .Add(g => g.PagerContent, Pager()));

        czech.Markup.ShouldContain("Řádků na stránku:");
        czech.Markup.ShouldContain("1–10 z 45");
        czech.Markup.ShouldNotContain("Rows per page");

        UseCulture(Qtsp.Portal.Infrastructure.Localization.English);
        var english = Render<MudDataGrid<int>>(p => p
            .Add(g => g.Items, Enumerable.Range(1, 45))
            .Add(g => g.Columns, Column())
            .Add(g => g.PagerContent, Pager()));

        english.Markup.ShouldContain("Rows per page:");
        english.Markup.ShouldContain("1–10 of 45");
    }

    private static RenderFragment Column() => builder =>
    {
        builder.OpenComponent<PropertyColumn<int, int>>(0);
        builder.AddAttribute(1, nameof(PropertyColumn<int, int>.Property), (System.Linq.Expressions.Expression<Func<int, int>>)(x => x));
        builder.CloseComponent();
    };

    private static RenderFragment Pager() => builder =>
    {
        builder.OpenComponent<MudDataGridPager<int>>(0);
        builder.CloseComponent();
    };
}

using Bunit;
using MudBlazor;
using Qtsp.Portal.Components;

namespace Qtsp.Portal.Tests.Components;

public sealed class MudMarkupTests : BunitContext
{
    [Fact]
    public void A_text_with_markup_in_it_is_shown_as_text()
    {
        // A device's serial number or label comes from the user's PC: it must never become markup on the page.
        const string Hostile = "<img src=x onerror=alert(1)>\" & 'ř";

        var chip = Render(builder => builder.AddContent(0, MudMarkup.ChipContent(Hostile, Icons.Material.Filled.Info)));
        var label = Render(builder => builder.AddContent(0, MudMarkup.Label(Icons.Material.Filled.Info, Hostile, Size.Small)));

        foreach (var rendered in new[] { chip, label })
        {
            rendered.FindAll("img").ShouldBeEmpty();
            rendered.Find("svg").GetAttribute("class").ShouldBe("mud-icon-root mud-svg-icon mud-icon-size-small" + (rendered == chip ? " mud-chip-icon" : ""));
            rendered.Markup.ShouldContain("ř", customMessage: "letters of every language stay as they are");
        }

        chip.Find(".mud-chip-content").TextContent.ShouldBe(Hostile);
        label.Find(".mud-button-label").TextContent.ShouldBe(Hostile);
        label.Find(".mud-button-icon-start").GetAttribute("class").ShouldBe("mud-button-icon-start mud-button-icon-size-small");
    }

    [Fact]
    public void The_same_piece_is_built_once_and_every_page_shares_it()
    {
        var first = MudMarkup.Label(Icons.Material.Filled.Refresh, "Obnovit", Size.Small);
        var second = MudMarkup.Label(Icons.Material.Filled.Refresh, "Obnovit", Size.Small);
        var otherSize = MudMarkup.Label(Icons.Material.Filled.Refresh, "Obnovit");

        ReferenceEquals(first.Value, second.Value).ShouldBeTrue();
        otherSize.Value.ShouldNotBe(first.Value);
        otherSize.Value.ShouldContain("mud-icon-size-medium");
    }

    [Fact]
    public void Texts_with_data_in_them_do_not_grow_the_shared_pieces_without_bound()
    {
        for (var serial = 0; serial < 10_000; serial++)
        {
            MudMarkup.ChipContent($"Sériové číslo {serial:X8}").Value.ShouldContain($"{serial:X8}");
        }

        MudMarkup.CachedPieceCount.ShouldBeLessThanOrEqualTo(4096);
    }
}

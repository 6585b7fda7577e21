using AngleSharp.Dom;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using static Qtsp.Portal.Tests.Token.TokenSamples;

namespace Qtsp.Portal.Tests.Token;

public sealed class AreaPanelTests : TokenComponentTest
{
    public static TheoryData<string> Cultures() => Texts.CultureNames();

    private Task<IElement> RenderAsync(AreaSnapshot area, string culture, DeviceModel? model = null) =>
        Task.FromResult(RenderIn<AreaPanel>(Texts.Culture(culture), p => p
            .Add(c => c.Area, area)
            .Add(c => c.Model, model ?? DeviceModelCatalogue.EToken5110Cc)));

    private static string[] Badges(IElement scope) => scope.QuerySelectorAll(".mud-chip").Select(b => b.TextContent.Trim()).ToArray();

    [Theory]
    [MemberData(nameof(Cultures))]
    public async Task Qualified_certificate_on_a_qscd_shows_both_badges_and_no_expiry(string culture)
    {
        var c = Texts.Culture(culture);

        var body = await RenderAsync(Area(certificates: [Certificate(subject: "CN=Jan Novák")]), culture);

        var section = body.QuerySelector("[data-testid=area]").ShouldNotBeNull();
        section.GetAttribute("data-area-kind").ShouldBe("Qualified");
        section.QuerySelector("h3").ShouldNotBeNull().TextContent.ShouldContain(Texts.Get("Area.Qualified", c));
        var row = section.QuerySelectorAll("[data-testid=certificate]").ShouldHaveSingleItem();
        row.GetAttribute("data-id").ShouldBe("a1");
        row.QuerySelector("[data-testid=certificate-subject]").ShouldNotBeNull().TextContent.ShouldBe("CN=Jan Novák");
        row.TextContent.ShouldContain("7F00AAA1");
        var badges = Badges(row);
        badges.ShouldContain(Texts.Get("Certificate.Qualified", c));
        badges.ShouldContain(Texts.Get("Certificate.Qscd", c));
        badges.ShouldNotContain(Texts.Get("Certificate.Expired", c));
        badges.ShouldNotContain(Texts.Get("Certificate.NotQualified", c));
        badges.ShouldNotContain(Texts.Get("Certificate.NoKey", c));
    }

    [Theory]
    [InlineData("cs", "Prošlý")]
    [InlineData("en", "Expired")]
    public async Task Expired_certificate_is_marked(string culture, string word)
    {
        var body = await RenderAsync(Area(certificates: [Certificate(notAfter: Now.AddDays(-1))]), culture);

        Badges(body.QuerySelector("[data-testid=certificate]")!).ShouldContain(word);
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public async Task Commercial_certificate_without_its_key_is_marked_when_private_objects_are_listed(string culture)
    {
        var c = Texts.Culture(culture);
        var certificate = Certificate(qualified: false, qscd: false, hasKey: false);

        var listed = Badges((await RenderAsync(Area(AreaKind.Standard, certificates: [certificate], privateListed: true), culture)).QuerySelector("[data-testid=certificate]")!);
        var hidden = Badges((await RenderAsync(Area(AreaKind.Standard, certificates: [certificate], privateListed: false), culture)).QuerySelector("[data-testid=certificate]")!);

        listed.ShouldBe([Texts.Get("Certificate.NotQualified", c), Texts.Get("Certificate.NoKey", c)], ignoreOrder: true);
        // Without a login the private keys are not visible: "no key" would be a guess.
        hidden.ShouldBe([Texts.Get("Certificate.NotQualified", c)]);
    }

    [Theory]
    [InlineData("cs", "Servisní klíč", "Osiřelý klíč (neúspěšná žádost)", "Osiřelý klíč", "Ke certifikátu")]
    [InlineData("en", "Service key", "failed request", "Orphan", "certificate")]
    public async Task Keys_show_their_role(string culture, string serviceKey, string failedRequest, string orphan, string certified)
    {
        var c = Texts.Culture(culture);
        var area = Area(keys:
        [
            Key("SERVICE KEY", KeyRole.ServiceKey, "01"),
            Key("p11#5f3e", KeyRole.Orphan, "5f3e"),
            Key("leftover", KeyRole.Orphan, "77"),
            Key("Jan Novák", KeyRole.Certified, "a1", KeyClass.Public),
        ]);

        var body = await RenderAsync(area, culture);

        var rows = body.QuerySelectorAll("[data-testid=key]").ToDictionary(r => r.GetAttribute("data-id")!);
        rows.Keys.ShouldBe(["01", "5f3e", "77", "a1"], ignoreOrder: true);

        rows["01"].GetAttribute("data-role").ShouldBe("ServiceKey");
        var serviceBadge = rows["01"].QuerySelector(".mud-chip").ShouldNotBeNull();
        serviceBadge.TextContent.Trim().ShouldBe(Texts.Get("Key.ServiceKey", c));
        serviceBadge.TextContent.ShouldContain(serviceKey, Case.Insensitive);
        serviceBadge.GetAttribute("title").ShouldBe(Texts.Get("Key.ServiceKeyHint", c));

        rows["5f3e"].GetAttribute("data-role").ShouldBe("Orphan");
        Badges(rows["5f3e"]).ShouldBe([Texts.Get("Key.OrphanFailedRequest", c)]);
        Badges(rows["5f3e"])[0].ShouldContain(failedRequest, Case.Insensitive);
        Badges(rows["77"]).ShouldBe([Texts.Get("Key.Orphan", c)]);
        Badges(rows["77"])[0].ShouldContain(orphan, Case.Insensitive);
        Badges(rows["77"])[0].ShouldNotBe(Badges(rows["5f3e"])[0]);

        Badges(rows["a1"]).ShouldBe([Texts.Get("Key.Certified", c)]);
        Badges(rows["a1"])[0].ShouldContain(certified, Case.Insensitive);
        rows["a1"].GetAttribute("data-class").ShouldBe("Public");
        rows["a1"].TextContent.ShouldContain(Texts.Get("Key.Public", c));
        rows["01"].TextContent.ShouldContain(Texts.Get("Key.Private", c));
        rows["01"].QuerySelector("[data-testid=key-label]")!.TextContent.ShouldBe("SERVICE KEY");
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public async Task Hidden_private_objects_are_explained(string culture)
    {
        var c = Texts.Culture(culture);

        var hidden = await RenderAsync(Area(privateListed: false), culture);
        var listed = await RenderAsync(Area(privateListed: true), culture);

        hidden.QuerySelector("[data-testid=private-hidden]").ShouldNotBeNull().TextContent.Trim().ShouldBe(Texts.Get("Area.PrivateHidden", c));
        listed.QuerySelector("[data-testid=private-hidden]").ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public async Task Empty_area_says_so(string culture)
    {
        var c = Texts.Culture(culture);

        var body = await RenderAsync(Area(AreaKind.Standard), culture);

        body.QuerySelector("h3")!.TextContent.ShouldContain(Texts.Get("Area.Standard", c));
        body.QuerySelector("h3")!.TextContent.ShouldContain("JanNovak");
        body.TextContent.ShouldContain(Texts.Get("Area.NoCertificates", c));
        body.TextContent.ShouldContain(Texts.Get("Area.NoKeys", c));
        body.QuerySelector("table").ShouldBeNull();
    }

    public static TheoryData<PinState, string, string, string> PinStates() => new()
    {
        // state, culture, expected text of the user PIN badge of an eToken's standard area (5 tries), of the QPIN (3 tries)
        { PinState.Ok, "cs", "PIN: v pořádku (počet pokusů: 5)", "QPIN: v pořádku (počet pokusů: 3)" },
        { PinState.Ok, "en", "PIN: OK (5 tries)", "QPIN: OK (3 tries)" },
        { PinState.CountLow, "cs", "PIN: zbývá méně pokusů než 5", "QPIN: zbývá méně pokusů než 3" },
        { PinState.CountLow, "en", "PIN: fewer than 5 tries left", "QPIN: fewer than 3 tries left" },
        { PinState.FinalTry, "cs", "PIN: poslední pokus!", "QPIN: poslední pokus!" },
        { PinState.FinalTry, "en", "PIN: final try!", "QPIN: final try!" },
        { PinState.Locked, "cs", "PIN: zablokován", "QPIN: zablokován" },
        { PinState.Locked, "en", "PIN: blocked", "QPIN: blocked" },
        { PinState.NotInitialized, "cs", "PIN: není nastaven", "QPIN: není nastaven" },
        { PinState.NotInitialized, "en", "PIN: not set", "QPIN: not set" },
    };

    [Theory]
    [MemberData(nameof(PinStates))]
    public async Task Pin_badge_shows_the_state_with_the_tries_of_the_model(PinState state, string culture, string standardText, string qualifiedText)
    {
        var standard = await RenderAsync(Area(AreaKind.Standard, userState: state), culture);
        var qualified = await RenderAsync(Area(AreaKind.Qualified, userState: state), culture);

        var pin = standard.QuerySelector("[data-testid=pin-status][data-pin-kind=Pin]").ShouldNotBeNull();
        pin.GetAttribute("data-pin-state").ShouldBe(state.ToString());
        pin.TextContent.Trim().ShouldBe(standardText);
        var qpin = qualified.QuerySelector("[data-testid=pin-status][data-pin-kind=QPin]").ShouldNotBeNull();
        qpin.GetAttribute("data-pin-state").ShouldBe(state.ToString());
        qpin.TextContent.Trim().ShouldBe(qualifiedText);
    }

    [Fact]
    public void Pin_state_table_covers_every_state()
    {
        PinStates().Select(row => (PinState)row[0]).Distinct().ShouldBe(Enum.GetValues<PinState>(), ignoreOrder: true);
    }

    [Theory]
    [InlineData(PinState.Ok, "chip-color-success")]
    [InlineData(PinState.CountLow, "chip-color-warning")]
    [InlineData(PinState.FinalTry, "chip-color-error")]
    [InlineData(PinState.Locked, "chip-color-error")]
    public async Task Pin_badge_colour_follows_the_danger(PinState state, string cssClass)
    {
        var body = await RenderAsync(Area(AreaKind.Standard, userState: state), "cs");

        body.QuerySelector("[data-pin-kind=Pin]")!.ClassList.ShouldContain($"mud-{cssClass}");
    }

    [Theory]
    [InlineData("cs", "PUK: v pořádku", "PIN: zbývá méně pokusů")]
    [InlineData("en", "PUK: OK", "PIN: fewer tries left")]
    public async Task Without_published_tries_the_badge_names_no_number(string culture, string puk, string countLow)
    {
        // eToken PUK: unlimited tries. ProID+Q: tries not published.
        var etoken = await RenderAsync(Area(AreaKind.Standard), culture);
        var proId = await RenderAsync(Area(AreaKind.Standard, userState: PinState.CountLow), culture, DeviceModelCatalogue.ProIdPlusQ);

        etoken.QuerySelector("[data-pin-kind=Puk]")!.TextContent.Trim().ShouldBe(puk);
        proId.QuerySelector("[data-pin-kind=Pin]")!.TextContent.Trim().ShouldBe(countLow);
    }

    [Fact]
    public async Task Unknown_device_shows_no_tries_for_any_secret()
    {
        var body = await RenderAsync(Area(AreaKind.Qualified), "en", DeviceModelCatalogue.Unknown);

        body.QuerySelectorAll("[data-testid=pin-status]").Select(b => b.TextContent.Trim()).ShouldBe(["QPIN: OK", "QPUK: OK"]);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Secret_to_be_changed_raises_the_alert(bool user, bool so)
    {
        foreach (var culture in new[] { "cs", "en" })
        {
            var body = await RenderAsync(Area(userToBeChanged: user, soToBeChanged: so), culture);

            var alert = body.QuerySelector("[data-testid=pin-to-be-changed]").ShouldNotBeNull();
            alert.TextContent.ShouldContain(Texts.Get("Area.MustChange", Texts.Culture(culture)));
        }
    }

    [Fact]
    public async Task No_alert_when_nothing_is_to_be_changed()
    {
        var body = await RenderAsync(Area(userToBeChanged: false, soToBeChanged: false), "cs");

        body.QuerySelector("[data-testid=pin-to-be-changed]").ShouldBeNull();
    }

    [Theory]
    [InlineData("cs", "Volná paměť 40000 z 81920 B")]
    [InlineData("en", "40000")]
    public async Task Memory_is_shown_when_the_device_reports_it(string culture, string text)
    {
        var reported = await RenderAsync(Area(memory: new MemoryStatus(81920, 40000, null, null)), culture);
        var unreported = await RenderAsync(Area(memory: new MemoryStatus(null, 40000, null, null)), culture);

        Badges(reported).ShouldContain(b => b.Contains(text, StringComparison.Ordinal));
        Badges(reported).ShouldContain(Texts.Format("Area.Memory", Texts.Culture(culture), 40000L, 81920L));
        Badges(unreported).ShouldNotContain(b => b.Contains("40000", StringComparison.Ordinal));
    }
}

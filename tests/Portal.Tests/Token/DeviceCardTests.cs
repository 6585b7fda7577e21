using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using static Qtsp.Portal.Tests.Token.TokenSamples;

namespace Qtsp.Portal.Tests.Token;

public sealed class DeviceCardTests : TokenComponentTest
{
    [Theory]
    [InlineData("cs", "Sériové číslo 0A1B2C3D")]
    [InlineData("en", "0A1B2C3D")]
    public void Shows_model_serial_module_and_both_areas(string culture, string serialText)
    {
        var device = Device(DeviceModelCatalogue.EToken5110Cc, "0A1B2C3D", Area(AreaKind.Standard), Area(AreaKind.Qualified));

        var body = RenderIn<DeviceCard>(Texts.Culture(culture), p => p.Add(c => c.Device, device));

        var card = body.QuerySelectorAll("[data-testid=device]").ShouldHaveSingleItem();
        card.GetAttribute("data-device-id").ShouldBe("etoken-5110-cc:0A1B2C3D");
        card.QuerySelector("[data-testid=device-model]").ShouldNotBeNull().TextContent.Trim().ShouldBe("SafeNet eToken 5110 CC");
        var serial = card.QuerySelector("[data-testid=device-serial]").ShouldNotBeNull().TextContent.Trim();
        serial.ShouldBe(Texts.Format("Device.Serial", Texts.Culture(culture), "0A1B2C3D"));
        serial.ShouldContain(serialText);
        // The module path is for support: only in the collapsed diagnostics, not among what the holder reads.
        card.QuerySelector("details[data-testid=device-diagnostics]:not([open]) [data-testid=device-module]").ShouldNotBeNull().TextContent.ShouldBe("/usr/lib/libeTPkcs11.so");
        card.QuerySelectorAll("details").ShouldHaveSingleItem();
        card.QuerySelectorAll("[data-testid=area]").Select(a => a.GetAttribute("data-area-kind")).ShouldBe(["Standard", "Qualified"]);
    }

    [Fact]
    public void Areas_use_the_policies_of_the_devices_model()
    {
        var etoken = Device(DeviceModelCatalogue.EToken5110Cc, "1", Area(AreaKind.Standard));
        var unknown = Device(DeviceModelCatalogue.EToken5110Cc, "2", Area(AreaKind.Standard)) with { ModelId = "some-new-token", ModelName = "Some new token" };

        var known = RenderIn<DeviceCard>(Texts.Culture("en"), p => p.Add(c => c.Device, etoken));
        var other = RenderIn<DeviceCard>(Texts.Culture("en"), p => p.Add(c => c.Device, unknown));

        known.QuerySelector("[data-pin-kind=Pin]")!.TextContent.Trim().ShouldBe("PIN: OK (5 tries)");
        other.QuerySelector("[data-pin-kind=Pin]")!.TextContent.Trim().ShouldBe("PIN: OK");
        other.QuerySelector("[data-testid=device-model]")!.TextContent.Trim().ShouldBe("Some new token");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rename_is_offered_only_where_the_devices_module_can_rename(bool canRename)
    {
        var device = Device(DeviceModelCatalogue.EToken5110Cc, "1", Area(AreaKind.Standard)) with { CanRename = canRename };

        var body = RenderIn<DeviceCard>(Texts.Culture("en"), p => p.Add(c => c.Device, device));

        body.QuerySelectorAll("[data-testid=action-rename]").Length.ShouldBe(canRename ? 1 : 0);
        body.QuerySelectorAll("[data-testid=action-refresh]").Length.ShouldBe(1);
    }
}

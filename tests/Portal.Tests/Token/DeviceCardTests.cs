using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using static Qtsp.Portal.Tests.Token.TokenSamples;

namespace Qtsp.Portal.Tests.Token;

public sealed class DeviceCardTests
{
    [Theory]
    [InlineData("cs", "Sériové číslo 0A1B2C3D")]
    [InlineData("en", "0A1B2C3D")]
    public async Task Shows_model_serial_module_and_both_areas(string culture, string serialText)
    {
        var device = Device(DeviceModelCatalogue.EToken5110Cc, "0A1B2C3D", Area(AreaKind.Standard), Area(AreaKind.Qualified));

        var body = await StaticRenderer.RenderAsync<DeviceCard>(Texts.Culture(culture), new Dictionary<string, object?> { [nameof(DeviceCard.Device)] = device });

        var card = body.QuerySelectorAll("[data-testid=device]").ShouldHaveSingleItem();
        card.GetAttribute("data-device-id").ShouldBe("etoken-5110-cc:0A1B2C3D");
        card.QuerySelector("[data-testid=device-model]").ShouldNotBeNull().TextContent.Trim().ShouldBe("SafeNet eToken 5110 CC");
        var serial = card.QuerySelector("[data-testid=device-serial]").ShouldNotBeNull().TextContent.Trim();
        serial.ShouldBe(Texts.Format("Device.Serial", Texts.Culture(culture), "0A1B2C3D"));
        serial.ShouldContain(serialText);
        card.TextContent.ShouldContain("/usr/lib/libeTPkcs11.so");
        card.QuerySelectorAll("[data-testid=area]").Select(a => a.GetAttribute("data-area-kind")).ShouldBe(["Standard", "Qualified"]);
    }

    [Fact]
    public async Task Areas_use_the_policies_of_the_devices_model()
    {
        var etoken = Device(DeviceModelCatalogue.EToken5110Cc, "1", Area(AreaKind.Standard));
        var unknown = Device(DeviceModelCatalogue.EToken5110Cc, "2", Area(AreaKind.Standard)) with { ModelId = "some-new-token", ModelName = "Some new token" };

        var known = await StaticRenderer.RenderAsync<DeviceCard>(Texts.Culture("en"), new Dictionary<string, object?> { [nameof(DeviceCard.Device)] = etoken });
        var other = await StaticRenderer.RenderAsync<DeviceCard>(Texts.Culture("en"), new Dictionary<string, object?> { [nameof(DeviceCard.Device)] = unknown });

        known.QuerySelector("[data-pin-kind=Pin]")!.TextContent.Trim().ShouldBe("PIN: OK (5 tries)");
        other.QuerySelector("[data-pin-kind=Pin]")!.TextContent.Trim().ShouldBe("PIN: OK");
        other.QuerySelector("[data-testid=device-model]")!.TextContent.Trim().ShouldBe("Some new token");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Rename_is_offered_only_where_the_devices_module_can_rename(bool canRename)
    {
        var device = Device(DeviceModelCatalogue.EToken5110Cc, "1", Area(AreaKind.Standard)) with { CanRename = canRename };

        var body = await StaticRenderer.RenderAsync<DeviceCard>(Texts.Culture("en"), new Dictionary<string, object?> { [nameof(DeviceCard.Device)] = device });

        body.QuerySelectorAll("[data-testid=action-rename]").Length.ShouldBe(canRename ? 1 : 0);
        body.QuerySelectorAll("[data-testid=action-refresh]").Length.ShouldBe(1);
    }
}

using Bunit;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using static Qtsp.Portal.Tests.Token.TokenSamples;

namespace Qtsp.Portal.Tests.Token;

public sealed class AreaActionsTests : TokenComponentTest
{
    [Theory]
    [InlineData(AreaKind.Standard, PinState.Locked, PinState.Ok, "PIN")]
    [InlineData(AreaKind.Qualified, PinState.Ok, PinState.Locked, "QPIN")]
    [InlineData(AreaKind.Qualified, PinState.Locked, PinState.Ok, "PIN")]
    public void A_new_key_is_not_offered_while_a_pin_it_needs_is_blocked(AreaKind kind, PinState standardPin, PinState qualifiedPin, string blocked)
    {
        var device = Device(DeviceModelCatalogue.EToken5110Cc, "1", Area(AreaKind.Standard, userState: standardPin), Area(AreaKind.Qualified, userState: qualifiedPin));

        var actions = Render<AreaActions>(p => p.Add(c => c.Device, device).Add(c => c.Area, device.Areas.Single(a => a.Kind == kind)));

        actions.Find("[data-testid=action-new-request]").HasAttribute("disabled").ShouldBeTrue();
        actions.Find("[data-testid=new-request-blocked]").TextContent.ShouldBe(Texts.Format("TokenCare.Request.PinLocked", Texts.Culture("cs"), blocked));
    }

    [Fact]
    public void A_new_key_is_offered_when_the_pins_are_usable()
    {
        var device = Device(DeviceModelCatalogue.EToken5110Cc, "1", Area(AreaKind.Standard, userState: PinState.FinalTry), Area(AreaKind.Qualified, soState: PinState.Locked));

        var actions = Render<AreaActions>(p => p.Add(c => c.Device, device).Add(c => c.Area, device.Areas[1]));

        actions.Find("[data-testid=action-new-request]").HasAttribute("disabled").ShouldBeFalse();
        actions.FindAll("[data-testid=new-request-blocked]").ShouldBeEmpty();
    }
}

using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Devices;
using static Qtsp.Portal.Tests.Token.TokenSamples;

namespace Qtsp.Portal.Tests.Token;

/// <summary>The certificate a reminder's renewal link chose is the one whose Renew action My token marks, and only that one.</summary>
public sealed class RenewalChoiceTests : TokenComponentTest
{
    public static TheoryData<string> Cultures() => Texts.CultureNames();

    [Theory]
    [MemberData(nameof(Cultures))]
    public void Only_the_chosen_certificates_renew_action_is_marked(string culture)
    {
        var current = Certificate(id: "a1");
        var chosen = Certificate(id: "a2");
        var area = Area(certificates: [current, chosen]);
        var registry = new DeviceRegistryView(
            new Dictionary<string, (long, RegistryStatus)>
            {
                [DeviceRegistryView.Key(current.Issuer, current.SerialNumber)] = (11, RegistryStatus.Known),
                [DeviceRegistryView.Key(chosen.Issuer, chosen.SerialNumber)] = (12, RegistryStatus.Known),
            },
            []);

        var body = RenderIn<AreaPanel>(Texts.Culture(culture), p => p
            .Add(c => c.Area, area)
            .Add(c => c.Model, DeviceModelCatalogue.EToken5110Cc)
            .Add(c => c.Device, Device(DeviceModelCatalogue.EToken5110Cc, "5110CC0000000009", area))
            .Add(c => c.RegistryView, registry)
            .Add(c => c.RenewalChoice, new RenewalChoice(12, chosen.SerialNumber, Now.AddDays(20).UtcDateTime)));

        var rows = body.QuerySelectorAll("[data-testid=certificate]").ToDictionary(r => r.GetAttribute("data-id")!);
        rows["a2"].HasAttribute("data-chosen").ShouldBeTrue();
        rows["a1"].HasAttribute("data-chosen").ShouldBeFalse();
        rows["a2"].QuerySelector("[data-testid=certificate-renew]").ShouldNotBeNull().ClassList.ShouldContain("mud-button-filled");
        rows["a1"].QuerySelector("[data-testid=certificate-renew]").ShouldNotBeNull().ClassList.ShouldNotContain("mud-button-filled");
    }
}

using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Resources;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Features.Token;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Tests.Token;

/// <summary>A key made for a request the CA has taken waits for its certificate: it is shown so, and clean-up treats it as precious.</summary>
public sealed class PendingKeyTests : TokenComponentTest
{
    private static readonly KeyView NewKey = new(KeyClass.Public, "a1b2c3d4", "p11#a1b2c3d4", "EC", null, "P-256", KeyRole.Orphan, null, null, null);
    private static readonly KeyView Leftover = new(KeyClass.Public, "0badf00d", "p11#0badf00d", "EC", null, "P-256", KeyRole.Orphan, null, null, null);
    private static readonly PendingKeys Pending = new([("TM0001", "A1B2C3D4", "BP0123456789")]);

    [Fact]
    public void A_key_with_a_pending_request_shows_the_request_a_leftover_stays_an_orphan()
    {
        var l = Services.GetRequiredService<IStringLocalizer<Strings>>();
        var waiting = Render(TokenBadges.KeyRole(NewKey, "tm0001", Pending, l));
        var leftover = Render(TokenBadges.KeyRole(Leftover, "TM0001", Pending, l));
        var otherDevice = Render(TokenBadges.KeyRole(NewKey, "TM0002", Pending, l));

        waiting.Find("[data-testid=badge]").GetAttribute("data-pending-request").ShouldBe("BP0123456789");
        waiting.Find("[data-testid=badge]").TextContent.ShouldContain("BP0123456789");
        leftover.Find("[data-testid=badge]").HasAttribute("data-pending-request").ShouldBeFalse();
        otherDevice.Find("[data-testid=badge]").HasAttribute("data-pending-request").ShouldBeFalse("the same key id on another device is another key");
    }

    [Fact]
    public void Clean_up_offers_a_waiting_key_only_as_a_pending_request_never_as_an_orphan()
    {
        var area = new AreaSnapshot(AreaKind.Qualified, "1", "Q", "m", new PinStatus(PinKind.QPin, PinState.Ok, false), new PinStatus(PinKind.QPuk, PinState.Ok, false),
            4, 16, false, null, false, [], [NewKey, Leftover]);

        var candidates = CleanupCandidates.For(area, DateTimeOffset.UtcNow, keyId => Pending.RequestFor("TM0001", keyId));

        candidates.Single(c => c.Target.IdHex == "a1b2c3d4").Reason.ShouldBe(CleanupReason.PendingRequest);
        candidates.Single(c => c.Target.IdHex == "a1b2c3d4").Title.ShouldBe("BP0123456789");
        candidates.Single(c => c.Target.IdHex == "0badf00d").Reason.ShouldBe(CleanupReason.OrphanKey);
    }
}

using Bunit;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Tests.Components;

namespace Qtsp.Portal.Tests.Revocation;

/// <summary>The revoke panel asks for the confirmation the actor's role needs, and for an invalidity date only with keyCompromise.</summary>
public sealed class RevokePanelTests : PortalComponentTest
{
    private static readonly Actor Holder = new("u1", "holder", "Hana Holder", new HashSet<string> { PortalRoles.Holder }, null, null, null, 1);

    private static readonly Actor InSupportSession = Holder with
    {
        Support = new SupportContext(7, "s1", "staff", "Staff Member", "HD-1", DateTime.UtcNow.AddHours(1), MayElevate: true),
    };

    [Fact]
    public void A_holder_without_an_authenticator_confirms_with_the_account_password()
    {
        var panel = Render<RevokePanel>(p => p.Add(x => x.Confirmation, RevocationConfirmation.AccountPassword).Add(x => x.Actor, Holder));

        panel.Find("input[data-testid=revoke-password]").GetAttribute("type").ShouldBe("password");
        panel.FindAll("[data-testid=revoke-code]").ShouldBeEmpty();
        panel.FindAll("[data-testid=elevation-code]").ShouldBeEmpty();
    }

    [Fact]
    public void A_representative_or_operator_confirms_with_an_authenticator_code()
    {
        var panel = Render<RevokePanel>(p => p.Add(x => x.Confirmation, RevocationConfirmation.AuthenticatorCode).Add(x => x.Actor, Holder));

        panel.FindAll("[data-testid=revoke-code]").Count.ShouldBe(1);
        panel.FindAll("[data-testid=revoke-password]").ShouldBeEmpty();
    }

    [Fact]
    public void Support_staff_in_a_session_confirm_with_their_elevation_code()
    {
        var panel = Render<RevokePanel>(p => p.Add(x => x.Confirmation, RevocationConfirmation.SupportElevation).Add(x => x.Actor, InSupportSession));

        panel.FindAll("[data-testid=elevation-code]").Count.ShouldBe(1);
        panel.FindAll("[data-testid=revoke-password]").ShouldBeEmpty();
        panel.FindAll("[data-testid=revoke-code]").ShouldBeEmpty();
    }

    [Fact]
    public void The_invalidity_date_is_asked_only_for_key_compromise()
    {
        Render<RevokePanel>(p => p.Add(x => x.Confirmation, RevocationConfirmation.AuthenticatorCode).Add(x => x.InitialReason, RevocationReason.KeyCompromise))
            .FindAll("[data-testid=revoke-invalidity]").Count.ShouldBe(1);
        foreach (var reason in Enum.GetValues<RevocationReason>().Where(r => r != RevocationReason.KeyCompromise))
        {
            Render<RevokePanel>(p => p.Add(x => x.Confirmation, RevocationConfirmation.AuthenticatorCode).Add(x => x.InitialReason, reason))
                .FindAll("[data-testid=revoke-invalidity]").ShouldBeEmpty(reason.ToString());
        }
    }

    [Fact]
    public void The_panel_hands_over_the_reason_the_date_read_as_Prague_time_and_the_confirmation()
    {
        RevocationInput? handed = null;
        var panel = Render<RevokePanel>(p => p.Add(x => x.Confirmation, RevocationConfirmation.AuthenticatorCode).Add(x => x.InitialReason, RevocationReason.KeyCompromise)
            .Add(x => x.OnConfirm, (RevocationInput input) => handed = input));

        panel.Find("input[data-testid=revoke-invalidity]").Change("2026-01-15T10:30");
        panel.Find("input[data-testid=revoke-code]").Change("123 456");
        panel.Find("[data-testid=revoke-confirm]").Click();

        handed.ShouldNotBeNull();
        handed.Reason.ShouldBe(RevocationReason.KeyCompromise);
        handed.InvalidityDateUtc.ShouldBe(new DateTime(2026, 1, 15, 9, 30, 0, DateTimeKind.Utc));
        handed.Confirmation.ShouldBe("123 456");
    }
}

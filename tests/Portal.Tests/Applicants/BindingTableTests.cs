using Bunit;
using MudBlazor;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Components;
using Qtsp.Portal.Tests.Localization;

namespace Qtsp.Portal.Tests.Applicants;

/// <summary>Cancelling a binding in its dialog: the reason is checked by the service, and the row changes at once.</summary>
public sealed class BindingTableTests : PortalComponentTest
{
    private readonly List<(long Binding, string? Reason, string? Code)> _sent = [];

    private static BindingSummary Binding(long id, int validCertificates = 0) =>
        new(id, 100 + id, $"TOKEN{id:D4}", "SafeNet eToken 5110", new DateOnly(2030, 6, 30), new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc), "ca", null, null, validCertificates);

    private Task<(Outcome? Outcome, string? Failure)> Cancel(long binding, string? reason, string? code)
    {
        _sent.Add((binding, reason, code));
        return Task.FromResult<(Outcome?, string?)>(string.IsNullOrWhiteSpace(reason)
            ? (Outcome.Invalid([new FieldError("Reason", "Validation.Required")]), null)
            : (Outcome.Success, null));
    }

    [Fact]
    public void A_cancelled_binding_shows_as_cancelled_at_once_without_a_reload()
    {
        var dialogs = Render<MudDialogProvider>();
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        BindingSummary[] devices = [Binding(1), Binding(2, validCertificates: 1)];
        var table = Render<BindingTable>(p => p
            .Add(t => t.Devices, devices)
            .Add(t => t.CanManage, true)
            .Add(t => t.Actor, TestActors.Representative())
            .Add(t => t.Cancel, Cancel));

        table.FindAll("[data-testid=cancel-binding]").Count.ShouldBe(1, "a device with a valid certificate cannot be released yet");
        table.Find("[data-testid=cancel-binding]").Click();
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=cancel-binding-confirm]"));
        dialogs.Find("[data-testid=cancel-binding-confirm]").Click();
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=error-Reason]").TextContent.ShouldBe(ResourceFiles.Czech["Validation.Required"]));

        dialogs.Find("[data-testid=cancel-reason] input, input[data-testid=cancel-reason]").Change("Odchod z firmy");
        dialogs.Find("[data-testid=cancel-binding-confirm]").Click();

        _sent[^1].ShouldBe((1L, "Odchod z firmy", (string?)null));
        table.WaitForAssertion(() => table.Find("[data-binding-id='1']").GetAttribute("data-state").ShouldBe("cancelled"));
        table.Find("[data-binding-id='1'] [data-testid=binding-state]").TextContent.ShouldNotContain(ResourceFiles.Czech["Devices.BindingActive"]);
        table.FindAll("[data-binding-id='1'] [data-testid=cancel-binding]").ShouldBeEmpty();
        table.Find("[data-binding-id='2']").GetAttribute("data-state").ShouldBe("active");

        table.Render(p => p.Add(t => t.Devices, devices));
        table.Find("[data-binding-id='1']").GetAttribute("data-state").ShouldBe("cancelled", "the page re-rendering with the same list does not undo it");
    }
}

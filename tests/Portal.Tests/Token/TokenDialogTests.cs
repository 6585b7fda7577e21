using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Tests.Components;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using static Qtsp.Portal.Tests.Token.TokenSamples;

namespace Qtsp.Portal.Tests.Token;

/// <summary>The token dialogs as the holder uses them: opened through MudBlazor's dialog service, filled in, refused, cancelled, confirmed.</summary>
public sealed class TokenDialogTests : TokenComponentTest
{
    private static readonly DeviceSnapshot Etoken = Device(DeviceModelCatalogue.EToken5110Cc, "0A1B2C3D", Area(AreaKind.Standard), Area(AreaKind.Qualified));

    private Task<IDialogReference> OpenRequestAsync(IRenderedComponent<MudDialogProvider> host, string? holder) =>
        OpenAsync(host, new DialogParameters<NewRequestDialog>
        {
            { d => d.Device, Etoken },
            { d => d.Area, Etoken.Areas[1] },
            { d => d.HolderName, holder },
        });

    [Fact]
    public async Task The_request_name_is_the_signed_in_holder_s_and_markup_is_refused()
    {
        var host = RenderDialogHost();
        var reference = await OpenRequestAsync(host, TestActors.Holder().DisplayName);

        host.Find("input[name=commonName]").GetAttribute("value").ShouldBe("Jana Nováková");
        host.Find("input[name=commonName]").Input("<script>alert(1)</script>");
        await host.Find("[data-testid=request-continue]").ClickAsync(new());

        host.WaitForAssertion(() => host.Markup.ShouldContain(Texts.Get("Validation.Markup", Texts.Culture("cs")).Replace("<", "&lt;").Replace(">", "&gt;")));
        reference.Result.IsCompleted.ShouldBeFalse("the dialog stays open");

        host.Find("input[name=commonName]").Input("Novák1");
        await host.Find("[data-testid=request-continue]").ClickAsync(new());
        host.WaitForAssertion(() => host.Markup.ShouldContain(Texts.Get("Validation.Name", Texts.Culture("cs"))));
        reference.Result.IsCompleted.ShouldBeFalse();
    }

    [Fact]
    public async Task A_valid_request_form_answers_with_the_cleaned_form()
    {
        var host = RenderDialogHost();
        var reference = await OpenRequestAsync(host, "  Jan Novák ");

        host.Find("input[name=email]").Input(" jan.novak@example.cz ");
        host.Find("input[name=country]").Input("cz");
        await host.Find("[data-testid=request-continue]").ClickAsync(new());

        var result = await reference.Result;
        result!.Canceled.ShouldBeFalse();
        var form = result.Data.ShouldBeOfType<NewRequestForm>();
        (form.CommonName, form.Email, form.Country).ShouldBe(("Jan Novák", "jan.novak@example.cz", "CZ"));
    }

    [Fact]
    public async Task The_request_form_refuses_a_bad_email_and_country_and_cancels()
    {
        var host = RenderDialogHost();
        var reference = await OpenRequestAsync(host, "Jan Novák");

        host.Find("input[name=email]").Input("not an address");
        host.Find("input[name=country]").Input("C1");
        await host.Find("[data-testid=request-continue]").ClickAsync(new());
        host.WaitForAssertion(() => host.Markup.ShouldContain(Texts.Get("Validation.Email", Texts.Culture("cs"))));
        host.Markup.ShouldContain(Texts.Get("TokenCare.Request.CountryInvalid", Texts.Culture("cs")));

        await host.Find("[data-testid=request-cancel]").ClickAsync(new());
        (await reference.Result)!.Canceled.ShouldBeTrue();
    }

    [Fact]
    public async Task Install_takes_only_a_certificate_and_answers_with_its_der()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=Jan Novák", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1));
        var host = RenderDialogHost();
        var reference = await OpenAsync(host, new DialogParameters<InstallCertificateDialog>());
        host.Find("[data-testid=install-continue]").HasAttribute("disabled").ShouldBeTrue();

        host.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary("no certificate"u8.ToArray(), "x.cer"));
        host.WaitForAssertion(() => host.Find("[data-testid=install-problem]").TextContent.ShouldBe(Texts.Get("TokenCare.Install.NotCertificate", Texts.Culture("cs"))));
        host.Find("[data-testid=install-continue]").HasAttribute("disabled").ShouldBeTrue();

        host.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(certificate.ExportCertificatePem(), "issued.pem"));
        host.WaitForAssertion(() => host.Find("[data-testid=detail-subject]").TextContent.ShouldBe("CN=Jan Novák"));
        await host.Find("[data-testid=install-continue]").ClickAsync(new());

        (await reference.Result)!.Data.ShouldBeOfType<byte[]>().ShouldBe(certificate.RawData);
    }

    [Fact]
    public async Task Install_can_be_cancelled()
    {
        var host = RenderDialogHost();
        var reference = await OpenAsync(host, new DialogParameters<InstallCertificateDialog>());

        await host.Find("[data-testid=install-cancel]").ClickAsync(new());

        (await reference.Result)!.Canceled.ShouldBeTrue();
    }

    [Fact]
    public async Task Cleanup_needs_a_second_yes_for_a_valid_certificate_and_cancels()
    {
        var area = Area(AreaKind.Standard, certificates: [Certificate("e1", "CN=Old", notAfter: Now.AddDays(-3)), Certificate("v1", "CN=Current")]);
        var host = RenderDialogHost();
        var reference = await OpenAsync(host, new DialogParameters<CleanupDialog> { { d => d.Device, Etoken }, { d => d.Area, area } });

        host.FindAll("[data-testid=cleanup-candidate]").Select(r => r.GetAttribute("data-reason")).ShouldBe(["Expired", "Valid"]);
        host.Find("[data-testid=cleanup-remove]").HasAttribute("disabled").ShouldBeTrue();
        host.Find("[data-testid=cleanup-candidate][data-id=e1] input[type=checkbox]").Change(true);
        host.Find("[data-testid=cleanup-remove]").HasAttribute("disabled").ShouldBeFalse();

        host.Find("[data-testid=cleanup-candidate][data-id=v1] input[type=checkbox]").Change(true);
        host.Find("[data-testid=cleanup-valid-warning]").ShouldNotBeNull();
        host.Find("[data-testid=cleanup-remove]").HasAttribute("disabled").ShouldBeTrue("a valid certificate needs the explicit yes");
        host.Find("input[data-testid=cleanup-confirm-valid]").Change(true);
        host.Find("[data-testid=cleanup-remove]").HasAttribute("disabled").ShouldBeFalse();

        await host.Find("[data-testid=cleanup-cancel]").ClickAsync(new());
        (await reference.Result)!.Canceled.ShouldBeTrue();
    }

    [Fact]
    public async Task Rename_warns_refuses_and_cancels()
    {
        var host = RenderDialogHost();
        var reference = await OpenAsync(host, new DialogParameters<RenameDialog> { { d => d.Device, Etoken } });

        host.Find("input[data-testid=rename-label]").GetAttribute("value").ShouldBe("JanNovak");
        host.Find("[data-testid=rename-save]").HasAttribute("disabled").ShouldBeFalse();
        host.Find("input[data-testid=rename-label]").Input("Nový");
        host.Find("[data-testid=rename-warning]").ShouldNotBeNull();
        host.Find("[data-testid=rename-save]").HasAttribute("disabled").ShouldBeTrue();
        host.Find("input[data-testid=rename-accept]").Change(true);
        host.Find("[data-testid=rename-save]").HasAttribute("disabled").ShouldBeFalse();
        host.Find("input[data-testid=rename-label]").Input("x (CC)");
        host.Find("[data-testid=rename-problem]").TextContent.ShouldBe(Texts.Get("TokenCare.Rename.Reserved", Texts.Culture("cs")));
        host.Find("[data-testid=rename-save]").HasAttribute("disabled").ShouldBeTrue();

        await host.Find("[data-testid=rename-cancel]").ClickAsync(new());
        (await reference.Result)!.Canceled.ShouldBeTrue();
    }

    [Fact]
    public async Task The_complaint_asks_first_and_a_no_changes_nothing()
    {
        var host = RenderDialogHost();
        var card = Render<DeviceCard>(p => p.Add(c => c.Device, Etoken));

        var asking = card.Find("[data-testid=action-complaint]").ClickAsync(new()); // waits for the answer

        host.WaitForAssertion(() => host.Markup.ShouldContain(Texts.Get("TokenCare.Complaint.Intro", Texts.Culture("cs"))));
        host.FindAll("button").Single(b => b.TextContent.Trim() == Texts.Get("TokenCare.Dialog.Cancel", Texts.Culture("cs"))).Click();
        await asking.WaitAsync(TimeSpan.FromSeconds(5));
        host.WaitForAssertion(() => host.Markup.ShouldNotContain(Texts.Get("TokenCare.Complaint.Intro", Texts.Culture("cs"))));
        JSInterop.Invocations.Select(i => i.Identifier).ShouldNotContain("runSecretOperation");
    }
}

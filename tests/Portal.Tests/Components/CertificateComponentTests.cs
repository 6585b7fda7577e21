using Bunit;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Qtsp.Portal.Tests.Components;

public sealed class CertificateComponentTests : PortalComponentTest
{
    [Fact]
    public void A_stored_revocation_reason_reads_as_a_sentence_in_both_languages_never_as_its_code()
    {
        var texts = Services.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<Qtsp.Portal.Resources.Strings>>();

        texts[RevocationReasonTexts.Key("AffiliationChanged")].Value.ShouldNotContain("AffiliationChanged");
        texts[RevocationReasonTexts.Key("AffiliationChanged")].Value.ShouldBe(Texts.Get("Certificates.Reason.AffiliationChanged", Qtsp.Portal.Infrastructure.Localization.Czech));
        texts[RevocationReasonTexts.Key("SomethingElse")].Value.ShouldBe(Texts.Get("Certificates.Reason.Unspecified", Qtsp.Portal.Infrastructure.Localization.Czech));
        UseCulture(Qtsp.Portal.Infrastructure.Localization.English);
        texts[RevocationReasonTexts.Key("KeyCompromise")].Value.ShouldBe("Key compromise (device lost or stolen)");
    }

    [Fact]
    public void Certificate_dates_are_the_days_in_Prague()
    {
        // 23:30 UTC on 31 December is already 1 January in Prague.
        var certificate = new CertificateSummary(7, "0A1B", "CN=Jana Nováková", "", CertificateType.Qualified, CertificateStatus.Issued,
            new DateTime(2025, 12, 31, 23, 30, 0, DateTimeKind.Utc), new DateTime(2099, 12, 31, 23, 30, 0, DateTimeKind.Utc), "TM123");

        var table = Render<CertificateTable>(p => p.Add(t => t.Items, [certificate]));

        var row = table.Find("[data-testid=certificate-row]");
        row.GetAttribute("data-certificate-id").ShouldBe("7");
        row.TextContent.ShouldContain("01.01.2026 – 01.01.2100");
        row.QuerySelector("[data-testid=status]")!.GetAttribute("data-status").ShouldBe("valid");
    }

    [Fact]
    public void Empty_lists_say_so_in_the_page_s_language()
    {
        UseCulture(Qtsp.Portal.Infrastructure.Localization.English);

        Render<CertificateTable>(p => p.Add(t => t.Items, [])).Find("[data-testid=no-certificates]").TextContent.ShouldBe(Texts.Get("Certificates.None", Qtsp.Portal.Infrastructure.Localization.English));
        Render<RequestTable>(p => p.Add(t => t.Items, [])).Find("[data-testid=no-requests]").TextContent.ShouldBe(Texts.Get("Requests.None", Qtsp.Portal.Infrastructure.Localization.English));
    }
}

using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Features.Token;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Tests.Token;

public sealed class ComplaintFormPageTests : TokenComponentTest
{
    [Fact]
    public void The_sheet_names_the_device_and_the_time_in_the_portal_s_zone()
    {
        var prepared = new ComplaintPrepared(4, [PinKind.Pin, PinKind.QPin], "0A1B2C3D", "SafeNet eToken 5110 CC");
        var url = ComplaintFormPage.Url(prepared, new DateTimeOffset(2026, 7, 1, 22, 30, 0, TimeSpan.Zero));
        Services.GetRequiredService<NavigationManager>().NavigateTo(url);

        var sheet = RenderPage<ComplaintFormPage>();

        sheet.Find("[data-testid=complaint-model]").TextContent.ShouldBe("SafeNet eToken 5110 CC");
        sheet.Find("[data-testid=complaint-serial]").TextContent.ShouldBe("0A1B2C3D");
        sheet.Find("[data-testid=complaint-prepared-at]").TextContent.ShouldBe("02.07.2026 0:30 (UTC+2)", "Prague time with its offset, not the server's");
        sheet.Find("[data-testid=complaint-prepared]").TextContent.ShouldContain("QPIN");
    }
}

using System.Globalization;
using Bunit;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Registration;
using Qtsp.Portal.Tests.Components;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using PortalLocalization = Qtsp.Portal.Infrastructure.Localization;

namespace Qtsp.Portal.Tests.Registration;

/// <summary>
/// The registration page in bUnit, its service from a real portal (SQLite, embedded CA) acting as an RA operator: what
/// the operator sees for an unknown number, and the whole approval from the search to the issued certificate.
/// </summary>
public sealed class RegistrationPageTests(RegistrationPageTests.Portal portal) : PortalComponentTest, IClassFixture<RegistrationPageTests.Portal>
{
    public sealed class Portal : IAsyncLifetime
    {
        public PortalServer Server { get; private set; } = default!;

        public TestData Data => new(Server.App.Services);

        public async Task InitializeAsync() => Server = await PortalServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    private static AngleSharp.Dom.IElement Input(IRenderedComponent<RegistrationPage> page, string testId) =>
        page.Find($"input[data-testid={testId}], [data-testid={testId}] input");

    private static void Search(IRenderedComponent<RegistrationPage> page, string number)
    {
        Input(page, "registration-number").Change(number);
        page.Find("form[data-testid=registration-search]").Submit();
    }

    [Theory]
    [MemberData(nameof(Texts.CultureNames), MemberType = typeof(Texts))]
    public async Task An_unknown_number_says_so_in_the_page_s_language(string cultureName)
    {
        var culture = Texts.Culture(cultureName);
        UseCulture(culture);
        var world = await RegistrationWorld.CreateAsync(portal.Data);
        await using var operatorScope = await portal.Data.AsAsync(world.Operator);
        Services.AddFallbackServiceProvider(operatorScope.ServiceProvider);

        var page = RenderPage<RegistrationPage>();
        Search(page, " bp0000000000 ");

        page.WaitForAssertion(() => page.Find("[data-testid=registration-not-found]").TextContent.Trim()
            .ShouldBe(Texts.Format("Registration.NotFound", culture, "BP0000000000")), TimeSpan.FromSeconds(10));
        page.FindAll("[data-testid=registration-request]").ShouldBeEmpty();
        page.FindAll("[data-testid=registration-approve]").ShouldBeEmpty();
    }

    [Fact]
    public async Task The_operator_finds_the_request_checks_the_document_and_sees_the_issued_certificate()
    {
        var culture = PortalLocalization.Czech;
        var world = await RegistrationWorld.CreateAsync(portal.Data);
        await using var operatorScope = await portal.Data.AsAsync(world.Operator);
        Services.AddFallbackServiceProvider(operatorScope.ServiceProvider);

        var page = RenderPage<RegistrationPage>();
        Search(page, world.Request.RequestNumber.ToLowerInvariant());
        page.WaitForElement("[data-testid=registration-request]", TimeSpan.FromSeconds(10));

        var card = page.Find("[data-testid=registration-request]");
        card.GetAttribute("data-status").ShouldBe(nameof(RequestStatus.Submitted));
        page.Find("[data-testid=registration-holder]").TextContent.ShouldBe(world.Applicant.DisplayName);
        page.Find("[data-testid=registration-device]").TextContent.ShouldBe(world.Device.SerialNumber);
        page.Find("[data-testid=registration-identity]").TextContent.ShouldContain(world.Applicant.DateOfBirth!.Value.ToString("d", culture));
        Input(page, "identity-issuing-country").GetAttribute("value").ShouldBe("CZ", "the country defaults to CZ");

        // Approving with nothing ticked shows the field messages and records nothing.
        Input(page, "identity-document-number").Change("AB1234567");
        page.Find("[data-testid=registration-approve]").Click();
        page.WaitForAssertion(() => page.FindAll("[data-testid=error-PhotoMatches]").ShouldHaveSingleItem()
            .TextContent.ShouldBe(Texts.Get("Validation.CheckRequired", culture)), TimeSpan.FromSeconds(10));
        page.Find("[data-testid=error-ValidUntil]").TextContent.ShouldBe(Texts.Get("Validation.Required", culture));
        page.Find("[data-testid=registration-message]").TextContent.ShouldBe(Texts.Get("Registration.Refusal.Invalid", culture));

        Input(page, "identity-valid-until").Change(DateTime.Today.AddYears(2).ToString("d", culture));
        Input(page, "identity-check-photo").Change(true);
        Input(page, "identity-check-genuine").Change(true);
        Input(page, "identity-check-data").Change(true);
        page.Find("[data-testid=registration-approve]").Click();

        page.WaitForElement("[data-testid=registration-result]", TimeSpan.FromSeconds(30));
        var certificate = await portal.Data.DbAsync(db => db.Certificates.AsNoTracking().SingleAsync(c => c.ApplicantId == world.Applicant.Id));
        var result = page.Find("[data-testid=registration-result]");
        result.GetAttribute("data-serial").ShouldBe(certificate.SerialNumber);
        result.TextContent.Trim().ShouldBe(Texts.Format("Registration.Issued", culture, certificate.SerialNumber, world.Request.Email));
        page.WaitForAssertion(() => page.Find("[data-testid=registration-request]").GetAttribute("data-status").ShouldBe(nameof(RequestStatus.Issued)));
        page.FindAll("[data-testid=registration-approve]").ShouldBeEmpty("an issued request offers nothing more");
        page.FindAll("[data-testid=registration-reject]").ShouldBeEmpty();
    }
}

using Bunit;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Tests.Components;
using Qtsp.Portal.Tests.Localization;

namespace Qtsp.Portal.Tests.Applicants;

/// <summary>The applicant form says at each field what is wrong before anything is sent, and shows the service's verdict the same way.</summary>
public sealed class ApplicantFormTests : PortalComponentTest
{
    private readonly List<ApplicantInput> _saved = [];

    private IRenderedComponent<ApplicantForm> Form(ApplicantInput input, IReadOnlyList<Qtsp.Portal.Infrastructure.FieldError>? errors = null) =>
        Render<ApplicantForm>(p => p
            .Add(f => f.Input, input)
            .Add(f => f.Errors, errors ?? [])
            .Add(f => f.CancelHref, "applicants")
            .Add(f => f.Save, (ApplicantInput saved) => _saved.Add(saved)));

    private static string Text(string key) => ResourceFiles.Czech[key];

    [Fact]
    public void Empty_required_fields_are_named_and_nothing_is_saved()
    {
        var form = Form(new ApplicantInput());

        form.Find("form").Submit();

        form.Find("[data-testid=error-FirstName]").TextContent.ShouldBe(Text("Validation.Required"));
        form.Find("[data-testid=error-LastName]").TextContent.ShouldBe(Text("Validation.Required"));
        form.Find("[data-testid=error-Email]").TextContent.ShouldBe(Text("Validation.Required"));
        form.Find("[data-testid=form-message]").TextContent.ShouldContain(Text("Validation.Summary"));
        _saved.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("<script>alert('x')</script>", "Validation.Markup")]
    [InlineData("Robert'); DROP TABLE Applicants;--", "Validation.Name")]
    [InlineData("1234", "Validation.Name")]
    public void A_name_that_breaks_the_rules_says_which_rule(string lastName, string key)
    {
        var form = Form(new ApplicantInput { FirstName = "Jana", LastName = lastName, Email = "jana@example.cz", DateOfBirth = new DateOnly(1990, 1, 1) });

        form.Find("form").Submit();

        form.Find("[data-testid=error-LastName]").TextContent.ShouldBe(Text(key));
        form.FindAll("[data-testid=error-FirstName]").ShouldBeEmpty();
        _saved.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("radek@@example")]
    [InlineData("\"Eve\" <eve@example.cz>")]
    [InlineData("no-at-sign")]
    public void A_malformed_email_is_refused_at_its_field(string email)
    {
        var form = Form(new ApplicantInput { FirstName = "Jana", LastName = "Nováková", Email = email, DateOfBirth = new DateOnly(1990, 1, 1) });

        form.Find("form").Submit();

        form.Find("[data-testid=error-Email]").TextContent.ShouldBe(Text("Validation.Email"));
        _saved.ShouldBeEmpty();
    }

    [Fact]
    public void Valid_input_goes_to_the_service_and_its_errors_show_at_their_fields_in_english_too()
    {
        UseCulture(Qtsp.Portal.Infrastructure.Localization.English);
        var input = new ApplicantInput { FirstName = "Jana", LastName = "Nováková-Šťastná", Email = "jana@example.cz", EmployeeNumber = "SM-0107", DateOfBirth = new DateOnly(1990, 1, 1) };
        var form = Form(input);

        form.Find("form").Submit();
        form.Render(p => p.Add(f => f.Errors, [new(nameof(ApplicantInput.EmployeeNumber), ApplicantService.EmployeeNumberTaken)]));

        _saved.ShouldHaveSingleItem().ShouldBeSameAs(input);
        form.Find("[data-testid=error-EmployeeNumber]").TextContent.ShouldBe(ResourceFiles.English[ApplicantService.EmployeeNumberTaken]);
        form.Find("[data-testid=field-FirstName]").GetAttribute("value").ShouldBe("Jana", "what was typed stays");
    }
}

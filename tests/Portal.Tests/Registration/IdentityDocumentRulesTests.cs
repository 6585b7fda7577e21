using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Registration;

namespace Qtsp.Portal.Tests.Registration;

/// <summary>The document rules alone: number, issuing state, validity (the day in the portal's zone is given).</summary>
public sealed class IdentityDocumentRulesTests
{
    private static readonly DateOnly Today = new(2026, 12, 1);

    private static IdentityDocumentInput Good() => new()
    {
        DocumentType = IdentityDocumentType.Passport,
        DocumentNumber = "45 123 456",
        IssuingCountry = " sk ",
        ValidUntil = new DateTime(2026, 12, 1),
        PhotoMatches = true,
        DocumentGenuine = true,
        DataMatch = true,
    };

    [Fact]
    public void A_document_valid_until_today_passes_and_is_normalised()
    {
        var (document, errors) = IdentityDocumentRules.Validate(Good(), Today);

        errors.ShouldBeEmpty();
        document.ShouldBe(new IdentityDocument(IdentityDocumentType.Passport, "45123456", "SK", Today, null));
    }

    [Theory]
    [InlineData("CZ", true)]
    [InlineData("DE", true)]
    [InlineData("UA", true)]
    [InlineData("XX", false)]
    [InlineData("EU", false)]
    [InlineData("ZZ", false)]
    [InlineData("C1", false)]
    [InlineData("CZE", false)]
    public void Issuing_states_are_ISO_alpha_2_codes(string code, bool valid) =>
        IdentityDocumentRules.IsCountry(code).ShouldBe(valid);

    [Theory]
    [InlineData("1234", false)]
    [InlineData("12345", true)]
    [InlineData("AB-12345", false)]
    [InlineData("ab12345", true)]
    [InlineData("123456789012345678901234567890123", false)]
    [InlineData("<script>", false)]
    public void Document_numbers_are_5_to_32_letters_or_digits(string number, bool valid)
    {
        var (_, errors) = IdentityDocumentRules.Validate(Good() with { DocumentNumber = number }, Today);

        errors.Any(e => e.Field == nameof(IdentityDocumentInput.DocumentNumber)).ShouldBe(!valid);
    }

    [Fact]
    public void Yesterday_is_expired_and_a_long_note_or_markup_is_refused()
    {
        var (_, errors) = IdentityDocumentRules.Validate(Good() with { ValidUntil = new DateTime(2026, 11, 30), Note = "<b>x</b>" }, Today);

        errors.Select(e => (e.Field, e.MessageKey)).ShouldBe(
            [(nameof(IdentityDocumentInput.ValidUntil), IdentityDocumentRules.DocumentExpired), (nameof(IdentityDocumentInput.Note), Features.Applicants.InputRules.Markup)]);
    }
}

using Qtsp.Shared.Devices;

namespace Qtsp.Shared.Tests.Devices;

public sealed class PinPolicyTests
{
    // eToken 5110 CC PIN: 4..16 characters, printable ASCII.
    private static readonly PinPolicy Pin = DeviceModelCatalogue.EToken5110Cc.Policy(PinKind.Pin)!;

    private static readonly PinPolicy DigitsOnly = new(PinKind.Pin, MinLength: 4, MaxLength: 8, MaxTries: 3, FactoryValue: "1234", Charset: PinCharset.Digits);

    [Theory]
    [InlineData("1234")]
    [InlineData("12345678")]
    [InlineData("1234567890123456")]
    [InlineData("Abc!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")]
    public void Accepts_values_within_the_length_made_of_printable_ascii(string value)
    {
        var policy = Pin with { MaxLength = 64 };

        policy.Check(value).ShouldBeNull();
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("123")]
    public void Refuses_a_value_that_is_too_short(string value)
    {
        Pin.Check(value).ShouldBe(PinPolicyViolation.TooShort);
    }

    [Theory]
    [InlineData("12345678901234567")]
    [InlineData("123456789012345678901234567890")]
    public void Refuses_a_value_that_is_too_long(string value)
    {
        Pin.Check(value).ShouldBe(PinPolicyViolation.TooLong);
    }

    [Theory]
    [InlineData("1234é678")] // diacritics
    [InlineData("Příliš12")]
    [InlineData("1234 678")] // space
    [InlineData(" 1234567")]
    [InlineData("1234\t678")] // control characters
    [InlineData("1234\n678")]
    [InlineData("1234\u0000678")]
    [InlineData("1234\u007f678")] // DEL
    [InlineData("1234\u00a0678")] // no-break space
    [InlineData("１２３４５６")] // full-width digits
    [InlineData("1234😀")] // outside the BMP
    public void Refuses_characters_a_device_may_not_accept(string value)
    {
        Pin.Check(value).ShouldBe(PinPolicyViolation.InvalidCharacter);
    }

    [Theory]
    [InlineData("1234", null)]
    [InlineData("00000000", null)]
    [InlineData("12a4", PinPolicyViolation.InvalidCharacter)]
    [InlineData("12 4", PinPolicyViolation.InvalidCharacter)]
    [InlineData("١٢٣٤", PinPolicyViolation.InvalidCharacter)] // Arabic-Indic digits are digits to char.IsDigit, not to a token
    [InlineData("１２３４", PinPolicyViolation.InvalidCharacter)]
    [InlineData("123", PinPolicyViolation.TooShort)]
    [InlineData("123456789", PinPolicyViolation.TooLong)]
    public void Digits_only_policy_accepts_ascii_digits_only(string value, PinPolicyViolation? expected)
    {
        DigitsOnly.Check(value).ShouldBe(expected);
    }

    [Fact]
    public void Narrowing_takes_the_stricter_of_the_model_and_the_token()
    {
        var narrowed = Pin.NarrowedBy(tokenMinLength: 6, tokenMaxLength: 10);

        narrowed.MinLength.ShouldBe(6);
        narrowed.MaxLength.ShouldBe(10);
        narrowed.Check("12345").ShouldBe(PinPolicyViolation.TooShort);
        narrowed.Check("12345678901").ShouldBe(PinPolicyViolation.TooLong);
        narrowed.Check("123456").ShouldBeNull();
    }

    [Fact]
    public void Narrowing_never_widens_the_model()
    {
        // SoftHSM reports 4..255; a card may report 1..16: the published policy still applies.
        var narrowed = Pin.NarrowedBy(tokenMinLength: 1, tokenMaxLength: 255);

        narrowed.MinLength.ShouldBe(Pin.MinLength);
        narrowed.MaxLength.ShouldBe(Pin.MaxLength);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(0, 0)]
    [InlineData(null, 0)]
    public void Narrowing_with_unreported_limits_changes_nothing(int? min, int? max)
    {
        Pin.NarrowedBy(min, max).ShouldBe(Pin);
    }

    [Fact]
    public void Narrowing_keeps_everything_but_the_lengths()
    {
        var policy = DeviceModelCatalogue.EToken5110Cc.Policy(PinKind.QPin)!;

        var narrowed = policy.NarrowedBy(8, 12);

        narrowed.ShouldBe(policy with { MinLength = 8, MaxLength = 12 });
        narrowed.Kind.ShouldBe(PinKind.QPin);
        narrowed.MaxTries.ShouldBe(3);
        narrowed.FactoryValue.ShouldBe("12345678");
        narrowed.UnblockedBy.ShouldBe(PinKind.QPuk);
        narrowed.Charset.ShouldBe(PinCharset.PrintableAscii);

        DigitsOnly.NarrowedBy(5, null).Charset.ShouldBe(PinCharset.Digits);
    }
}

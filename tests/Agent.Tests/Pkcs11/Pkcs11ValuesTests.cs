using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tests.Pkcs11;

/// <summary>The binding's value plumbing that needs no module: names, error classes, attribute encodings, templates.</summary>
public sealed class Pkcs11ValuesTests
{
    [Theory]
    [InlineData(0x0UL, "CKR_OK")]
    [InlineData(0xA0UL, "CKR_PIN_INCORRECT")]
    [InlineData(0xA4UL, "CKR_PIN_LOCKED")]
    [InlineData(0x32UL, "CKR_DEVICE_REMOVED")]
    [InlineData(0x191UL, "CKR_CRYPTOKI_ALREADY_INITIALIZED")]
    [InlineData(0x80000000UL, "CKR_VENDOR_DEFINED")]
    [InlineData(0x80000001UL, "CKR_0x80000001")]
    [InlineData(0x4UL, "CKR_0x4")]
    public void Return_values_are_named_as_in_the_standard_or_shown_in_hex(ulong value, string name)
    {
        Pkcs11Errors.Name((CKR)value).ShouldBe(name);
        new Pkcs11Exception("C_Sign", (CKR)value).ReturnValueName().ShouldBe(name);
    }

    [Theory]
    [InlineData((ulong)CKR.CKR_PIN_INCORRECT, AgentErrorCode.PinIncorrect)]
    [InlineData((ulong)CKR.CKR_PIN_LOCKED, AgentErrorCode.PinLocked)]
    [InlineData((ulong)CKR.CKR_PIN_LEN_RANGE, AgentErrorCode.PinPolicyViolation)]
    [InlineData((ulong)CKR.CKR_PIN_INVALID, AgentErrorCode.PinPolicyViolation)]
    [InlineData((ulong)CKR.CKR_DEVICE_REMOVED, AgentErrorCode.DeviceRemoved)]
    [InlineData((ulong)CKR.CKR_TOKEN_NOT_PRESENT, AgentErrorCode.DeviceRemoved)]
    [InlineData((ulong)CKR.CKR_SESSION_HANDLE_INVALID, AgentErrorCode.DeviceRemoved)]
    [InlineData((ulong)CKR.CKR_SESSION_CLOSED, AgentErrorCode.DeviceRemoved)]
    [InlineData((ulong)CKR.CKR_SLOT_ID_INVALID, AgentErrorCode.DeviceRemoved)]
    [InlineData((ulong)CKR.CKR_FUNCTION_CANCELED, AgentErrorCode.Cancelled)]
    [InlineData((ulong)CKR.CKR_CANCEL, AgentErrorCode.Cancelled)]
    [InlineData((ulong)CKR.CKR_FUNCTION_NOT_SUPPORTED, AgentErrorCode.NotSupported)]
    [InlineData((ulong)CKR.CKR_MECHANISM_INVALID, AgentErrorCode.NotSupported)]
    [InlineData((ulong)CKR.CKR_DEVICE_MEMORY, AgentErrorCode.ModuleFailure)]
    [InlineData((ulong)CKR.CKR_GENERAL_ERROR, AgentErrorCode.ModuleFailure)]
    public void Return_values_map_to_the_errors_the_portal_explains(ulong value, AgentErrorCode code)
    {
        var rv = (CKR)value;
        Pkcs11Errors.Classify(rv).ShouldBe(code);
        Pkcs11Errors.ToAgentError(new Pkcs11Exception("C_Login", rv)).ShouldBe(new AgentError(code, Pkcs11Errors.Name(rv)));
    }

    [Fact]
    public void Unavailable_information_is_all_bits_of_a_ck_ulong()
    {
        Platform.NativeULongSize.ShouldBe(8, "this suite runs on 64-bit Unix");
        Pkcs11Module.IsUnavailable(ulong.MaxValue).ShouldBeTrue();
        Pkcs11Module.IsUnavailable(uint.MaxValue).ShouldBeFalse("a 64-bit CK_ULONG may legitimately hold 2^32-1");
        Pkcs11Module.IsUnavailable(0).ShouldBeFalse();
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(3UL)]
    [InlineData(0x80000000UL)]
    [InlineData(ulong.MaxValue)]
    public void Ck_ulong_attribute_values_round_trip_in_the_native_width(ulong value)
    {
        var encoded = AttributeValue.EncodeUlong(value);

        encoded.Length.ShouldBe(Platform.NativeULongSize);
        encoded.ShouldBe(BitConverter.GetBytes(value));
        AttributeValue.Ulong(encoded).ShouldBe(value);
    }

    [Fact]
    public void Attribute_values_of_the_wrong_shape_decode_to_null()
    {
        AttributeValue.Ulong(null).ShouldBeNull();
        AttributeValue.Ulong([1, 0, 0, 0]).ShouldBe(1UL, "a Windows module's CK_ULONG is 4 bytes");
        AttributeValue.Ulong([1, 0]).ShouldBeNull();
        AttributeValue.Bool(null).ShouldBeNull();
        AttributeValue.Bool([1, 0]).ShouldBeNull();
        AttributeValue.Bool([0]).ShouldBe(false);
        AttributeValue.Bool([1]).ShouldBe(true);
        AttributeValue.Text(null).ShouldBeNull();
        AttributeValue.Text([.. "Servisní klíč"u8, 0]).ShouldBe("Servisní klíč");
    }

    [Fact]
    public void Labels_are_written_as_32_blank_padded_utf8_bytes()
    {
        var label = BlankPadded.Label("Servisní klíč");
        label.Length.ShouldBe(32);
        Encoding.UTF8.GetString(label).ShouldBe("Servisní klíč".PadRight(32 - (Encoding.UTF8.GetByteCount("Servisní klíč") - "Servisní klíč".Length)));
        Should.Throw<ArgumentException>(() => BlankPadded.Label(new string('č', 17)), "34 bytes of UTF-8 do not fit a 32-byte label");
    }
}

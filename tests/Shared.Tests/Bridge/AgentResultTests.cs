using Qtsp.Shared.Devices;
using System.Text.Json;
using Qtsp.Shared.Bridge;

namespace Qtsp.Shared.Tests.Bridge;

public sealed class AgentResultTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Success_carries_the_value_and_no_error()
    {
        var result = AgentResult.Success("ok");

        result.IsSuccess.ShouldBeTrue();
        result.Value.ShouldBe("ok");
        result.Error.ShouldBeNull();
    }

    [Fact]
    public void Failure_carries_the_error_and_no_value()
    {
        var error = new AgentError(AgentErrorCode.PinIncorrect, "CKR_PIN_INCORRECT", PinKind.Pin, PinState.CountLow);

        var result = AgentResult.Failure<DeviceSnapshot>(error);
        var number = AgentResult.Failure<int>(error);

        result.IsSuccess.ShouldBeFalse();
        result.Value.ShouldBeNull();
        result.Error.ShouldBe(error);
        number.IsSuccess.ShouldBeFalse();
        number.Value.ShouldBe(0);
    }

    [Fact]
    public void Success_is_written_as_value_and_null_error_without_the_computed_flag()
    {
        var json = JsonSerializer.Serialize(AgentResult.Success(42), Web);

        json.ShouldBe("""{"value":42,"error":null}""");
        JsonSerializer.Deserialize<AgentResult<int>>(json, Web).ShouldNotBeNull().IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public void Failure_is_written_with_the_code_as_a_name()
    {
        var failure = AgentResult.Failure<string>(new AgentError(AgentErrorCode.PinLocked, "CKR_PIN_LOCKED", PinKind.QPin, PinState.Locked));

        var json = JsonSerializer.Serialize(failure, Web);

        json.ShouldBe("""{"value":null,"error":{"code":"PinLocked","pkcs11Code":"CKR_PIN_LOCKED","pin":"QPin","pinState":"Locked","capacity":null,"leftoverKeyIdHex":null,"policy":null,"retryAfterSeconds":null}}""");
        var back = JsonSerializer.Deserialize<AgentResult<string>>(json, Web).ShouldNotBeNull();
        back.ShouldBe(failure);
        back.IsSuccess.ShouldBeFalse();
    }

    [Fact]
    public void Reads_the_failure_the_page_bridge_answers_with_when_there_is_no_link()
    {
        // agent-bridge.js: return { value: null, error: { code: 'AgentUnavailable' } };
        const string json = """{ "value": null, "error": { "code": "AgentUnavailable" } }""";

        var result = JsonSerializer.Deserialize<AgentResult<DeviceSnapshot>>(json, Web).ShouldNotBeNull();

        result.IsSuccess.ShouldBeFalse();
        result.Error.ShouldBe(new AgentError(AgentErrorCode.AgentUnavailable));
        result.Error!.Pkcs11Code.ShouldBeNull();
        result.Error.PinState.ShouldBeNull();
    }

    [Fact]
    public void Result_with_a_device_list_round_trips()
    {
        var success = AgentResult.Success<IReadOnlyList<DeviceSnapshot>>([BridgeJsonTests.SampleDevice()]);

        var json = JsonSerializer.Serialize(success, Web);
        var back = JsonSerializer.Deserialize<AgentResult<IReadOnlyList<DeviceSnapshot>>>(json, Web).ShouldNotBeNull();

        back.IsSuccess.ShouldBeTrue();
        back.Value.ShouldNotBeNull().ShouldHaveSingleItem().SerialNumber.ShouldBe("0A1B2C3D");
        JsonSerializer.Serialize(back, Web).ShouldBe(json);
    }
}

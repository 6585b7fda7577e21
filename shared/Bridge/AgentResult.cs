using System.Text.Json.Serialization;

namespace Qtsp.Shared.Bridge;

/// <summary>Why an agent operation failed, in terms the portal can explain to a user in their language.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgentErrorCode>))]
public enum AgentErrorCode
{
    Unknown,

    /// <summary>The page has no connection to the agent (reported by the portal's bridge, not by the agent).</summary>
    AgentUnavailable,
    DeviceNotFound,
    DeviceRemoved,
    ModuleFailure,
    PinIncorrect,
    PinLocked,
    PinPolicyViolation,
    Busy,
    Cancelled,
    TimedOut,
    ProtectedObject,
    NotSupported,
}

/// <param name="Code">What went wrong.</param>
/// <param name="Pkcs11Code">The PKCS#11 return value name when a module call failed (e.g. CKR_PIN_INCORRECT), for support.</param>
/// <param name="TriesLeft">Remaining PIN tries when the device reports them.</param>
public sealed record AgentError(AgentErrorCode Code, string? Pkcs11Code = null, int? TriesLeft = null);

/// <summary>Every hub call answers with this envelope, so failures are data, not exceptions across the wire.</summary>
public sealed record AgentResult<T>(T? Value, AgentError? Error)
{
    [JsonIgnore]
    public bool IsSuccess => Error is null;
}

public static class AgentResult
{
    public static AgentResult<T> Success<T>(T value) => new(value, null);

    public static AgentResult<T> Failure<T>(AgentError error) => new(default, error);
}

using System.Text.Json.Serialization;

namespace Qtsp.Shared.Bridge;

/// <summary>Why an agent operation failed, in terms the portal can explain to a user in their language.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgentErrorCode>))]
public enum AgentErrorCode
{
    Unknown,

    /// <summary>The page has no connection to the agent (reported by the portal's bridge, not by the agent).</summary>
    AgentUnavailable,

    /// <summary>The CA has no service key on record for the device, so nothing could vouch for a request (reported by the portal).</summary>
    DeviceNotRegistered,
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

    /// <summary>The secret is on its final try and the user has not confirmed spending it.</summary>
    FinalTryNotConfirmed,

    /// <summary>The qualified area is full, orphan keys block a new key, or the device has no free memory (the CA tools' 621/622).</summary>
    CapacityExceeded,

    /// <summary>The CA's service key is not on the device: no request can be made until the CA prepares it again.</summary>
    ServiceKeyMissing,

    /// <summary>The certificate's key pair is not on this device.</summary>
    KeyNotOnDevice,

    /// <summary>The file is not what it should be (not a certificate, not PKCS#12, unsupported key).</summary>
    InvalidInput,

    /// <summary>The PKCS#12 file's password is wrong.</summary>
    FilePasswordIncorrect,

    /// <summary>The catalogue does not know this device's factory values.</summary>
    FactoryValuesUnknown,

    /// <summary>Wrong values of this secret were tried just before: the agent waits before the next try (<see cref="AgentError.RetryAfterSeconds"/>).</summary>
    TryLater,

    /// <summary>The new label would make the device look like something else (an area marker, the service key's name).</summary>
    LabelNotAllowed,

    /// <summary>This key may not do what was asked (the service key signs only attestations; challenges only with an authentication key).</summary>
    KeyNotAllowed,

    /// <summary>A renewal names a key that is not in the area, or has no certificate there to renew (or one for another key).</summary>
    RenewedKeyNotFound,

    /// <summary>A document signature names a key that is not in the area, or has no certificate there that is its own and valid now (missing, expired or not yet valid, for another key).</summary>
    SigningKeyNotFound,
}

/// <param name="Code">What went wrong.</param>
/// <param name="Pkcs11Code">The PKCS#11 return value name when a module call failed (e.g. CKR_PIN_INCORRECT), for support.</param>
/// <param name="Pin">The secret a PIN error is about.</param>
/// <param name="PinState">That secret's state after the call, as the device reports it.</param>
/// <param name="Capacity">Why there is no room, for CapacityExceeded.</param>
/// <param name="LeftoverKeyIdHex">A key the failed operation could not remove (the device left mid-way); clean-up offers it.</param>
/// <param name="Policy">Which rule a proposed PIN broke, for PinPolicyViolation.</param>
/// <param name="RetryAfterSeconds">For TryLater: how long until the secret may be tried again.</param>
public sealed record AgentError(
    AgentErrorCode Code,
    string? Pkcs11Code = null,
    Devices.PinKind? Pin = null,
    PinState? PinState = null,
    CapacityProblem? Capacity = null,
    string? LeftoverKeyIdHex = null,
    Devices.PinPolicyViolation? Policy = null,
    int? RetryAfterSeconds = null);

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

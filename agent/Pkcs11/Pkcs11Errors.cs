using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Pkcs11;

/// <summary>Maps PKCS#11 return values to the error codes the portal explains to users.</summary>
internal static class Pkcs11Errors
{
    public static AgentError ToAgentError(Pkcs11Exception exception) => new(Classify(exception.RV), Name(exception.RV));

    public static AgentErrorCode Classify(CKR rv) => rv switch
    {
        CKR.CKR_DEVICE_REMOVED or CKR.CKR_TOKEN_NOT_PRESENT or CKR.CKR_SESSION_HANDLE_INVALID or CKR.CKR_SESSION_CLOSED
            or CKR.CKR_SLOT_ID_INVALID => AgentErrorCode.DeviceRemoved,
        CKR.CKR_PIN_INCORRECT => AgentErrorCode.PinIncorrect,
        CKR.CKR_PIN_LOCKED => AgentErrorCode.PinLocked,
        CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE => AgentErrorCode.PinPolicyViolation,
        CKR.CKR_FUNCTION_CANCELED or CKR.CKR_CANCEL => AgentErrorCode.Cancelled,
        CKR.CKR_FUNCTION_NOT_SUPPORTED or CKR.CKR_MECHANISM_INVALID => AgentErrorCode.NotSupported,
        _ => AgentErrorCode.ModuleFailure,
    };

    /// <summary>The standard's name of a return value (a vendor-defined one as its number), for logs and the portal.</summary>
    public static string Name(CKR rv) => Enum.IsDefined(rv) ? rv.ToString() : $"CKR_0x{(ulong)rv:X}";

    public static string ReturnValueName(this Pkcs11Exception exception) => Name(exception.RV);
}

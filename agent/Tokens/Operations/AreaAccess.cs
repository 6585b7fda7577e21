using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Opening and logging in to an area the careful way: never spend a final try the user has not confirmed,
/// never try a blocked secret, and turn a wrong secret into the state the device reports afterwards.
/// </summary>
internal static class AreaAccess
{
    public static Pkcs11Session Open(DeviceTarget target, AreaKind area, bool readWrite = true) =>
        target.Module.OpenSession(target.Slot(area), readWrite);

    /// <summary>Logs the session's area in as <paramref name="user"/> (CKU_USER: already logged in is fine).</summary>
    public static void LogIn(DeviceTarget target, Pkcs11Session session, AreaKind area, CKU user, Secret secret, bool confirmFinalTry)
    {
        var kind = KindOf(target, area, user);
        GuardTry(target, area, user, kind, confirmFinalTry);
        try
        {
            session.Login(user, secret.Utf8);
        }
        catch (Pkcs11Exception e) when (e.ReturnValue == CKR.CKR_USER_ALREADY_LOGGED_IN && user == CKU.CKU_USER)
        {
            // The area is logged in for viewing; the login is shared by every session of the agent.
        }
        catch (Pkcs11Exception e) when (e.ReturnValue is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED)
        {
            throw WrongSecret(target, area, user, kind, e);
        }
    }

    /// <summary>
    /// Refuses to try a secret the device reports as blocked, or on its final try without the user's confirmation:
    /// a blocked PIN with a forgotten PUK makes the device unusable.
    /// </summary>
    public static void GuardTry(DeviceTarget target, AreaKind area, CKU user, PinKind kind, bool confirmFinalTry)
    {
        var state = StateOf(target, area, user);
        if (state.State == PinState.Locked)
        {
            throw new OperationRefusedException(new AgentError(AgentErrorCode.PinLocked, Pin: kind, PinState: PinState.Locked));
        }

        if (state.State == PinState.FinalTry && !confirmFinalTry)
        {
            throw new OperationRefusedException(new AgentError(AgentErrorCode.FinalTryNotConfirmed, Pin: kind, PinState: PinState.FinalTry));
        }
    }

    public static OperationRefusedException WrongSecret(DeviceTarget target, AreaKind area, CKU user, PinKind kind, Pkcs11Exception e)
    {
        var after = StateOf(target, area, user).State;
        var code = e.ReturnValue == CKR.CKR_PIN_LOCKED || after == PinState.Locked ? AgentErrorCode.PinLocked : AgentErrorCode.PinIncorrect;
        return new OperationRefusedException(new AgentError(code, e.ReturnValueName, kind, after));
    }

    public static PinStatus StateOf(DeviceTarget target, AreaKind area, CKU user)
    {
        var token = target.Module.GetTokenInfo(target.Slot(area));
        var (userKind, soKind) = target.PinKinds(area);
        return user == CKU.CKU_SO ? DeviceAssembler.SoPinStatus(soKind, token) : DeviceAssembler.UserPinStatus(userKind, token);
    }

    public static PinKind KindOf(DeviceTarget target, AreaKind area, CKU user)
    {
        var (userKind, soKind) = target.PinKinds(area);
        return user == CKU.CKU_SO ? soKind : userKind;
    }

    /// <summary>Checks a proposed new value of a secret against the model's policy, before the device is asked.</summary>
    public static void CheckPolicy(DeviceTarget target, AreaKind area, PinKind kind, Secret proposed)
    {
        if (proposed.Violates(target.Policy(area, kind)) is { } violation)
        {
            throw new OperationRefusedException(new AgentError(AgentErrorCode.PinPolicyViolation, Pin: kind, Policy: violation));
        }
    }

    public static OperationRefusedException Refused(AgentErrorCode code) => new(new AgentError(code));
}

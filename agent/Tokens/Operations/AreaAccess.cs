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

    /// <summary>
    /// Logs the session's area in as <paramref name="user"/> with the secret the command carries, proven on the device
    /// every time. PKCS#11 keeps one login per application and token, so "already logged in" would prove nothing: any
    /// login on the area (a page's viewing login, whoever made it) is ended first. Unblock codes go through the agent's
    /// back-off. Disposing the result logs out again, unless the caller itself held the viewing login before: then it
    /// keeps it (the secret was just proven by the same page).
    /// </summary>
    public static ProvenLogin LogIn(DeviceTarget target, Pkcs11Session session, AreaKind area, CKU user, Secret secret, bool confirmFinalTry, OperationScope scope)
    {
        var kind = KindOf(target, area, user);
        var viewer = scope.Logins.Release(target.Module.LibraryPath, session.SlotId);
        EnsureLoggedOut(session);
        var throttled = user == CKU.CKU_SO;
        if (throttled)
        {
            scope.Throttle.EnsureMayTry(target.Device.DeviceId, kind);
        }

        GuardTry(target, area, user, kind, confirmFinalTry);
        try
        {
            session.Login(user, secret.Utf8);
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED)
        {
            if (throttled)
            {
                scope.Throttle.Failed(target.Device.DeviceId, kind);
            }

            throw WrongSecret(target, area, user, kind, e);
        }

        if (throttled)
        {
            scope.Throttle.Succeeded(target.Device.DeviceId, kind);
        }

        var keepViewingFor = user == CKU.CKU_USER && viewer == scope.Caller.ConnectionId ? viewer : null;
        return new ProvenLogin(target, session, scope.Logins, keepViewingFor);
    }

    /// <summary>Ends whatever login the token has for this process (a session left logged in, a login not held by anyone).</summary>
    private static void EnsureLoggedOut(Pkcs11Session session)
    {
        if (session.GetInfo().State is CKS.CKS_RO_USER_FUNCTIONS or CKS.CKS_RW_USER_FUNCTIONS or CKS.CKS_RW_SO_FUNCTIONS)
        {
            session.Logout();
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
        var code = e.RV == CKR.CKR_PIN_LOCKED || after == PinState.Locked ? AgentErrorCode.PinLocked : AgentErrorCode.PinIncorrect;
        return new OperationRefusedException(new AgentError(code, e.ReturnValueName(), kind, after));
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

/// <summary>
/// A login an operation proved with its own secret. Disposed before its session closes: it logs the area out, or hands
/// the login on as a viewing login to the connection that held one before the operation.
/// </summary>
internal sealed class ProvenLogin(DeviceTarget target, Pkcs11Session session, LoginSessions logins, string? keepViewingFor) : IDisposable
{
    private bool _done;

    /// <summary>Keeps the login as <paramref name="owner"/>'s viewing login, in a session of its own.</summary>
    public void KeepForViewing(string owner)
    {
        _done = true;
        logins.Hold(target.Module.OpenSession(session.SlotId, readWrite: false), owner);
    }

    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            if (keepViewingFor is not null)
            {
                KeepForViewing(keepViewingFor);
                return;
            }

            session.Logout();
        }
        catch (Pkcs11Exception)
        {
            // The device left, or the login already ended: closing the session is all that is left.
        }
    }
}

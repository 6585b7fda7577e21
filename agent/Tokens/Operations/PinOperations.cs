using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>Changing, unblocking and logging in with the secrets of an area.</summary>
internal static class PinOperations
{
    /// <summary>Changes PIN/QPIN (with the current value) or PUK/QPUK (as security officer); returns the secret's state after.</summary>
    public static PinStatus Change(DeviceTarget target, PinChange command, LoginSessions logins)
    {
        using var current = new Secret(command.Current);
        using var replacement = new Secret(command.Replacement);
        var (userKind, soKind) = target.PinKinds(command.Area);
        if (command.Kind != userKind && command.Kind != soKind)
        {
            throw AreaAccess.Refused(AgentErrorCode.InvalidInput);
        }

        AreaAccess.CheckPolicy(target, command.Area, command.Kind, replacement);
        var user = command.Kind == soKind ? CKU.CKU_SO : CKU.CKU_USER;
        if (user == CKU.CKU_SO)
        {
            // A security officer cannot log in while the user is.
            logins.Release(target.Module.LibraryPath, target.Slot(command.Area));
        }

        using var session = AreaAccess.Open(target, command.Area);
        if (user == CKU.CKU_SO)
        {
            AreaAccess.LogIn(target, session, command.Area, CKU.CKU_SO, current, command.ConfirmFinalTry);
        }
        else
        {
            AreaAccess.GuardTry(target, command.Area, CKU.CKU_USER, command.Kind, command.ConfirmFinalTry);
        }

        try
        {
            // In a public read-write session C_SetPIN changes the user PIN; in an SO session, the SO PIN.
            session.SetPin(current.Utf8, replacement.Utf8);
        }
        catch (Pkcs11Exception e) when (e.ReturnValue is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED)
        {
            throw AreaAccess.WrongSecret(target, command.Area, user, command.Kind, e);
        }
        catch (Pkcs11Exception e) when (e.ReturnValue is CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE)
        {
            throw new OperationRefusedException(new AgentError(AgentErrorCode.PinPolicyViolation, e.ReturnValueName, command.Kind));
        }

        return AreaAccess.StateOf(target, command.Area, user);
    }

    /// <summary>Sets a blocked (or forgotten) PIN/QPIN with its unblock code: SO login, then C_InitPIN.</summary>
    public static PinStatus Unblock(DeviceTarget target, PinUnblock command, LoginSessions logins)
    {
        using var code = new Secret(command.UnblockCode);
        using var newPin = new Secret(command.NewPin);
        var (userKind, _) = target.PinKinds(command.Area);
        AreaAccess.CheckPolicy(target, command.Area, userKind, newPin);

        logins.Release(target.Module.LibraryPath, target.Slot(command.Area));
        using var session = AreaAccess.Open(target, command.Area);
        AreaAccess.LogIn(target, session, command.Area, CKU.CKU_SO, code, command.ConfirmFinalTry);
        try
        {
            session.InitPin(newPin.Utf8);
        }
        catch (Pkcs11Exception e) when (e.ReturnValue is CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE)
        {
            throw new OperationRefusedException(new AgentError(AgentErrorCode.PinPolicyViolation, e.ReturnValueName, userKind));
        }

        return AreaAccess.StateOf(target, command.Area, CKU.CKU_USER);
    }

    /// <summary>Logs an area in for viewing its private objects; the login is held until logout or idle expiry.</summary>
    public static void LogIn(DeviceTarget target, AreaLogin command, LoginSessions logins)
    {
        using var pin = new Secret(command.Pin);
        var session = AreaAccess.Open(target, command.Area, readWrite: false);
        try
        {
            AreaAccess.LogIn(target, session, command.Area, CKU.CKU_USER, pin, command.ConfirmFinalTry);
            logins.Hold(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public static void LogOut(DeviceTarget target, LoginSessions logins)
    {
        foreach (var area in target.Device.Areas)
        {
            logins.Release(target.Module.LibraryPath, target.Slot(area.Kind));
        }
    }
}

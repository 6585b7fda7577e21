using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>Changing, unblocking and logging in with the secrets of an area.</summary>
internal static class PinOperations
{
    /// <summary>Changes PIN/QPIN (with the current value) or PUK/QPUK (as security officer); returns the secret's state after.</summary>
    public static PinStatus Change(DeviceTarget target, PinChange command, OperationScope scope)
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
        using var session = AreaAccess.Open(target, command.Area);
        using var login = user == CKU.CKU_SO ? AreaAccess.LogIn(target, session, command.Area, CKU.CKU_SO, current, command.ConfirmFinalTry, scope) : null;
        if (user == CKU.CKU_USER)
        {
            AreaAccess.GuardTry(target, command.Area, CKU.CKU_USER, command.Kind, command.ConfirmFinalTry);
        }

        try
        {
            // In a public read-write session C_SetPIN changes the user PIN; in an SO session, the SO PIN.
            session.SetPin(current.Utf8, replacement.Utf8);
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INCORRECT or CKR.CKR_PIN_LOCKED)
        {
            throw AreaAccess.WrongSecret(target, command.Area, user, command.Kind, e);
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE)
        {
            throw new OperationRefusedException(new AgentError(AgentErrorCode.PinPolicyViolation, e.ReturnValueName(), command.Kind));
        }

        return AreaAccess.StateOf(target, command.Area, user);
    }

    /// <summary>Sets a blocked (or forgotten) PIN/QPIN with its unblock code: SO login, then C_InitPIN.</summary>
    public static PinStatus Unblock(DeviceTarget target, PinUnblock command, OperationScope scope)
    {
        using var code = new Secret(command.UnblockCode);
        using var newPin = new Secret(command.NewPin);
        var (userKind, _) = target.PinKinds(command.Area);
        AreaAccess.CheckPolicy(target, command.Area, userKind, newPin);

        using var session = AreaAccess.Open(target, command.Area);
        using var login = AreaAccess.LogIn(target, session, command.Area, CKU.CKU_SO, code, command.ConfirmFinalTry, scope);
        try
        {
            session.InitPin(newPin.Utf8);
        }
        catch (Pkcs11Exception e) when (e.RV is CKR.CKR_PIN_INVALID or CKR.CKR_PIN_LEN_RANGE)
        {
            throw new OperationRefusedException(new AgentError(AgentErrorCode.PinPolicyViolation, e.ReturnValueName(), userKind));
        }

        return AreaAccess.StateOf(target, command.Area, CKU.CKU_USER);
    }

    /// <summary>
    /// Logs an area in for viewing its private objects, for the calling connection only (see <see cref="LoginSessions"/>).
    /// The PIN is proven on the device even when the area is logged in already: another page's login proves nothing.
    /// </summary>
    public static void LogIn(DeviceTarget target, AreaLogin command, OperationScope scope)
    {
        using var pin = new Secret(command.Pin);
        var session = AreaAccess.Open(target, command.Area, readWrite: false);
        try
        {
            using var login = AreaAccess.LogIn(target, session, command.Area, CKU.CKU_USER, pin, command.ConfirmFinalTry, scope);
            login.KeepForViewing(scope.Caller.ConnectionId);
        }
        finally
        {
            session.Dispose();
        }
    }

    /// <summary>Logs every area of the device out, whoever logged it in: the person at this PC asked for it.</summary>
    public static void LogOut(DeviceTarget target, OperationScope scope)
    {
        foreach (var area in target.Device.Areas)
        {
            scope.Logins.Release(target.Module.LibraryPath, target.Slot(area.Kind));
        }
    }
}

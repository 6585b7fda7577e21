using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>Removing objects (the clean-up wizard) and preparing a device for a complaint. The service key is never removed.</summary>
internal static class CleanupOperations
{
    public static int Delete(DeviceTarget target, ObjectDeletion command, OperationScope scope)
    {
        using var pin = new Secret(command.Pin);
        using var session = AreaAccess.Open(target, command.Area);
        using var login = AreaAccess.LogIn(target, session, command.Area, CKU.CKU_USER, pin, command.ConfirmFinalTry, scope);

        var objects = TokenReader.ReadObjects(session);
        var protectedIds = ServiceKey.ProtectedIds(objects);
        var named = command.Objects.SelectMany(wanted => objects.Where(o => Matches(o, wanted))).ToArray();
        var pairIds = command.WithKeyPairs ? named.Where(o => o.Id.Length > 0).Select(o => o.IdHex).ToHashSet(StringComparer.Ordinal) : [];
        var doomed = named
            .Concat(objects.Where(o => o.Class is CKO.CKO_PRIVATE_KEY or CKO.CKO_PUBLIC_KEY && pairIds.Contains(o.IdHex)))
            .DistinctBy(o => o.Handle)
            .ToArray();

        // Checked for the whole request before anything is removed: a refusal leaves the device as it was.
        if (doomed.Any(o => ServiceKey.IsProtected(o, protectedIds)))
        {
            throw AreaAccess.Refused(AgentErrorCode.ProtectedObject);
        }

        scope.Stage(OperationStage.RemovingObjects);
        foreach (var victim in doomed)
        {
            session.DestroyObject(victim.Handle);
        }

        return doomed.Length;
    }

    /// <summary>
    /// Every certificate and key except the service key goes, then PIN, PUK, QPIN and QPUK go back to the model's
    /// factory values, so the CA can prepare the device again. All secrets are verified before anything changes.
    /// </summary>
    public static ComplaintPrepared PrepareComplaint(DeviceTarget target, ComplaintPreparation command, OperationScope scope)
    {
        var secrets = new Dictionary<PinKind, Secret>
        {
            [PinKind.Pin] = new(command.Pin),
            [PinKind.Puk] = new(command.Puk),
            [PinKind.QPin] = new(command.QualifiedPin),
            [PinKind.QPuk] = new(command.QualifiedPuk),
        };
        try
        {
            var plan = target.Device.Areas.Select(a => (Area: a.Kind, Kinds: target.PinKinds(a.Kind))).ToArray();
            var factory = plan.SelectMany(p => new[] { p.Kinds.User, p.Kinds.SecurityOfficer }).Distinct()
                .ToDictionary(kind => kind, kind => target.Model.Policy(kind)?.FactoryValue);
            if (factory.Values.Any(string.IsNullOrEmpty))
            {
                throw AreaAccess.Refused(AgentErrorCode.FactoryValuesUnknown);
            }

            foreach (var (area, kinds) in plan)
            {
                VerifySecurityOfficer(target, area, secrets[kinds.SecurityOfficer], command.ConfirmFinalTry, scope);
            }

            var removed = 0;
            var reset = new List<PinKind>();
            foreach (var (area, kinds) in plan)
            {
                using var session = AreaAccess.Open(target, area);
                using var login = AreaAccess.LogIn(target, session, area, CKU.CKU_USER, secrets[kinds.User], command.ConfirmFinalTry, scope);
                scope.Stage(OperationStage.RemovingObjects);
                var objects = TokenReader.ReadObjects(session);
                var protectedIds = ServiceKey.ProtectedIds(objects);
                foreach (var victim in objects.Where(o => o.Class is CKO.CKO_CERTIFICATE or CKO.CKO_PRIVATE_KEY or CKO.CKO_PUBLIC_KEY && !ServiceKey.IsProtected(o, protectedIds)))
                {
                    session.DestroyObject(victim.Handle);
                    removed++;
                }

                scope.Stage(OperationStage.ResettingSecrets);
                using (var factoryPin = Factory(factory[kinds.User]!))
                {
                    session.SetPin(secrets[kinds.User].Utf8, factoryPin.Utf8);
                }

                reset.Add(kinds.User);
            }

            foreach (var (area, kinds) in plan)
            {
                using var session = AreaAccess.Open(target, area);
                using var login = AreaAccess.LogIn(target, session, area, CKU.CKU_SO, secrets[kinds.SecurityOfficer], command.ConfirmFinalTry, scope);
                using var factoryCode = Factory(factory[kinds.SecurityOfficer]!);
                session.SetPin(secrets[kinds.SecurityOfficer].Utf8, factoryCode.Utf8);
                if (!reset.Contains(kinds.SecurityOfficer))
                {
                    reset.Add(kinds.SecurityOfficer);
                }
            }

            return new ComplaintPrepared(removed, reset, target.Device.SerialNumber, target.Device.ModelName);
        }
        finally
        {
            foreach (var secret in secrets.Values)
            {
                secret.Dispose();
            }
        }
    }

    private static void VerifySecurityOfficer(DeviceTarget target, AreaKind area, Secret code, bool confirmFinalTry, OperationScope scope)
    {
        using var session = AreaAccess.Open(target, area);
        using var login = AreaAccess.LogIn(target, session, area, CKU.CKU_SO, code, confirmFinalTry, scope);
    }

    private static Secret Factory(string value) => new(value.Select(c => (int)c).ToArray());

    private static bool Matches(TokenObject candidate, ObjectRef wanted) =>
        candidate.IdHex.Equals(wanted.IdHex, StringComparison.OrdinalIgnoreCase)
        && candidate.Label == wanted.Label
        && candidate.Class == wanted.Kind switch
        {
            ObjectKind.Certificate => CKO.CKO_CERTIFICATE,
            ObjectKind.PrivateKey => CKO.CKO_PRIVATE_KEY,
            _ => CKO.CKO_PUBLIC_KEY,
        };
}

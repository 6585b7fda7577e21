using Qtsp.Shared.Bridge;

namespace Qtsp.Shared.Devices;

/// <summary>
/// Whether an area has room for a new key and certificate: the checks the CA's old tools only made after the
/// fact (errors 621 and 622). The page runs them on what it can see; the agent runs them again after login,
/// when private keys are visible, before any key is generated.
/// </summary>
public static class CapacityRules
{
    /// <summary>Bytes a new key pair with its certificate needs at least, where the device reports free memory.</summary>
    public const long BytesForKeyAndCertificate = 4096;

    public static CapacityProblem? Check(AreaSnapshot area, DeviceModel model)
    {
        var qualified = area.Certificates.Count(c => c.IsQualified);
        var orphans = area.Keys
            .Where(k => k.Role == KeyRole.Orphan)
            .Select(k => k.Label.Length > 0 ? k.Label : k.IdHex)
            .Distinct(StringComparer.Ordinal)
            .ToArray();

        if (area.Kind == AreaKind.Qualified && qualified >= model.QualifiedCertificateCapacity)
        {
            return new CapacityProblem(CapacityIssue.QualifiedAreaFull, qualified, model.QualifiedCertificateCapacity, orphans);
        }

        if (orphans.Length > 0)
        {
            return new CapacityProblem(CapacityIssue.OrphanKeys, qualified, model.QualifiedCertificateCapacity, orphans);
        }

        var free = Min(area.Memory?.FreePublic, area.Memory?.FreePrivate);
        return free is { } bytes && bytes < BytesForKeyAndCertificate
            ? new CapacityProblem(CapacityIssue.NoFreeMemory, qualified, model.QualifiedCertificateCapacity, orphans)
            : null;
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}

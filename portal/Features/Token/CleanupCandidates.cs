using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Features.Token;

public enum CleanupReason
{
    Expired,

    /// <summary>Another certificate for the same subject on the device lasts longer.</summary>
    Superseded,

    /// <summary>Still valid and not replaced: removing it is almost never what the holder wants.</summary>
    Valid,

    /// <summary>A key without a certificate (left by a failed or unfinished request).</summary>
    OrphanKey,

    /// <summary>A key without a certificate yet, made for a request the CA has taken: removing it loses the request.</summary>
    PendingRequest,
}

public sealed record CleanupCandidate(ObjectRef Target, string Title, CleanupReason Reason);

/// <summary>What the clean-up wizard offers for an area: certificates (expired, superseded, valid) and orphan keys, never the service key.</summary>
public static class CleanupCandidates
{
    public static IReadOnlyList<CleanupCandidate> For(AreaSnapshot area, DateTimeOffset now, Func<string, string?>? pendingRequest = null)
    {
        var candidates = new List<CleanupCandidate>();
        foreach (var certificate in area.Certificates.OrderBy(c => c.NotAfter))
        {
            var reason = certificate.NotAfter < now ? CleanupReason.Expired
                : area.Certificates.Any(other => other != certificate && other.Subject == certificate.Subject && other.NotAfter > certificate.NotAfter) ? CleanupReason.Superseded
                : CleanupReason.Valid;
            candidates.Add(new CleanupCandidate(new ObjectRef(ObjectKind.Certificate, certificate.IdHex, certificate.Label), certificate.Subject, reason));
        }

        foreach (var orphan in area.Keys.Where(k => k.Role == KeyRole.Orphan).DistinctBy(k => k.IdHex))
        {
            var kind = orphan.Class == KeyClass.Private ? ObjectKind.PrivateKey : ObjectKind.PublicKey;
            var waitsFor = pendingRequest?.Invoke(orphan.IdHex);
            candidates.Add(new CleanupCandidate(
                new ObjectRef(kind, orphan.IdHex, orphan.Label),
                waitsFor ?? (orphan.Label.Length > 0 ? orphan.Label : orphan.IdHex),
                waitsFor is null ? CleanupReason.OrphanKey : CleanupReason.PendingRequest));
        }

        return candidates;
    }
}

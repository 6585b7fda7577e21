using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Revocation;

/// <summary>The answer to a revocation with the revocation password.</summary>
public enum PasswordRevocationResult
{
    Revoked,

    /// <summary>Nothing matched: no such certificate or e-mail, or a wrong password — one answer for all.</summary>
    Refused,

    /// <summary>Too many failed tries for this certificate or from this address: wait.</summary>
    Locked,

    /// <summary>Something required is missing or too long.</summary>
    Invalid,
}

/// <summary>
/// Revocation without signing in (a lost or stolen device): the certificate's serial number or its holder's e-mail, and
/// the revocation password set when the request was made. Whether a certificate exists is never told: a miss verifies
/// one hash as a hit does, and answers as a wrong password does. Failed tries are throttled per certificate (the serial
/// or e-mail asked for, and each certificate it matched) and per source address (<see cref="Throttling"/>).
/// </summary>
public sealed class PasswordRevocation(DataAccess data, AuditTrail audit, RequestOrigin origin, Throttling throttling, RevocationRecord record, TimeProvider time)
{
    public const int IdentifierMaxLength = 254;

    /// <summary>At most this many certificates of one e-mail are tried.</summary>
    public const int MaxCandidates = 10;

    /// <summary>The reasons a holder may give without signing in (privilegeWithdrawn is the CA's).</summary>
    public static IReadOnlyList<RevocationReason> Reasons { get; } =
    [
        RevocationReason.KeyCompromise, RevocationReason.Unspecified, RevocationReason.CessationOfOperation,
        RevocationReason.AffiliationChanged, RevocationReason.Superseded,
    ];

    public async Task<PasswordRevocationResult> RevokeAsync(string? serialOrEmail, string? password, RevocationReason reason)
    {
        var identifier = Normalize(serialOrEmail);
        if (identifier is null || string.IsNullOrEmpty(password) || password.Length > RevocationPasswords.MaxLength || !Reasons.Contains(reason))
        {
            return PasswordRevocationResult.Invalid;
        }

        var askedKey = Throttling.Key("revpw-cert:", identifier);
        var addressKey = Throttling.Key("revpw-addr:", origin.Address ?? "unknown");
        if (await throttling.IsLockedAsync([askedKey, addressKey]).ConfigureAwait(false))
        {
            await audit.RecordAsync(null, AuditActions.RevocationPasswordRefused, null, new { locked = true }).ConfigureAwait(false);
            return PasswordRevocationResult.Locked;
        }

        var now = time.GetUtcNow().UtcDateTime;
        var byEmail = identifier.Contains('@', StringComparison.Ordinal);
#pragma warning disable CA1304, CA1311, CA1862 // translated to SQL lower(): the database compares, not .NET's culture
        var candidates = await data.RunAsync(db => db.Certificates.AsNoTracking()
            .Where(c => c.Status == CertificateStatus.Issued && c.NotAfterUtc > now && c.RevocationPasswordHash != null
                && (byEmail ? c.Applicant.Email.ToLower() == identifier : c.SerialNumber == identifier))
            .OrderBy(c => c.Id).Take(MaxCandidates)
            .Select(c => new { c.Id, c.SerialNumber, c.RevocationPasswordHash })
            .ToListAsync()).ConfigureAwait(false);
#pragma warning restore CA1304, CA1311, CA1862
        var certificateKeys = candidates.Select(c => Throttling.Key("revpw-cert:", c.SerialNumber)).ToList();
        if (certificateKeys.Count > 0 && await throttling.IsLockedAsync(certificateKeys).ConfigureAwait(false))
        {
            await audit.RecordAsync(null, AuditActions.RevocationPasswordRefused, null, new { locked = true }).ConfigureAwait(false);
            return PasswordRevocationResult.Locked;
        }

        // At least one verification, whatever matched: the answer takes as long for a certificate that does not exist.
        var matched = candidates.Count == 0
            ? []
            : candidates.Where(c => RevocationPasswords.Verify(c.RevocationPasswordHash, password)).ToList();
        if (candidates.Count == 0)
        {
            RevocationPasswords.VerifyDummy(password);
        }

        if (matched.Count == 0)
        {
            await throttling.FailAsync([askedKey, addressKey, .. certificateKeys]).ConfigureAwait(false);
            await audit.RecordAsync(null, AuditActions.RevocationPasswordRefused, candidates.Count == 1 ? AuditSubjects.Certificate(candidates[0].Id) : null,
                new { locked = false }).ConfigureAwait(false);
            return PasswordRevocationResult.Refused;
        }

        foreach (var certificate in matched)
        {
            await record.RevokeAsync(null, certificate.Id, reason, null, RevocationRecord.ViaRevocationPassword).ConfigureAwait(false);
        }

        await throttling.ResetAsync([askedKey, .. matched.Select(c => Throttling.Key("revpw-cert:", c.SerialNumber))]).ConfigureAwait(false);
        return PasswordRevocationResult.Revoked;
    }

    /// <summary>An e-mail in lower case, or a serial number in upper-case hex without separators; null when neither.</summary>
    public static string? Normalize(string? serialOrEmail)
    {
        var value = serialOrEmail?.Trim();
        if (string.IsNullOrEmpty(value) || value.Length > IdentifierMaxLength)
        {
            return null;
        }

        if (value.Contains('@', StringComparison.Ordinal))
        {
            return value.ToLowerInvariant();
        }

        var hex = new string(value.Where(c => c is not ' ' and not ':' and not '-').ToArray()).ToUpperInvariant();
        return hex.Length > 0 && hex.All(Uri.IsHexDigit) ? hex : null;
    }
}

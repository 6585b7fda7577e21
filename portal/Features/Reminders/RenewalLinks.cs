using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Reminders;

/// <summary>Why a renewal link did not open the renewal; each has its text (<c>Reminders.Link.{refusal}</c>).</summary>
public enum RenewalLinkRefusal
{
    /// <summary>No such link (mistyped, cut off, or never issued).</summary>
    Unknown,

    /// <summary>The signed-in account is not the certificate's holder (or acts in a support session).</summary>
    NotTheHolder,

    AlreadyUsed,

    Expired,

    /// <summary>The certificate was revoked or has ended meanwhile: there is nothing to renew.</summary>
    CertificateEnded,
}

/// <summary>A renewal link's outcome: the certificate whose renewal it opens, or why not.</summary>
public sealed record RenewalLinkOutcome(long? CertificateId, RenewalLinkRefusal? Refusal)
{
    public static RenewalLinkOutcome Opened(long certificateId) => new(certificateId, null);

    public static RenewalLinkOutcome Refused(RenewalLinkRefusal refusal) => new(null, refusal);
}

/// <summary>A link just issued: the address for the mail (the only place its token is ever written) and when it expires.</summary>
public sealed record IssuedRenewalLink(Uri Address, DateTime ExpiresAtUtc);

/// <summary>
/// One-time links that open the renewal of a certificate from an expiry reminder: a random 256-bit token in the link,
/// only its SHA-256 stored (a token of that entropy needs no slow hash), bound to the certificate and its holder,
/// expiring, and spent by one conditional update when the holder opens it signed in as themselves.
/// </summary>
public sealed class RenewalLinks(DataAccess data, CurrentActor current, AuditTrail audit, IOptions<ReminderOptions> options, TimeProvider time)
{
    public const string PathPrefix = "/renew/";
    private const int TokenBytes = 32;

    /// <summary>Adds a link for the certificate to <paramref name="db"/> (saved with the reminder): its address and end.</summary>
    public IssuedRenewalLink Issue(PortalDbContext db, long certificateId, long applicantId, DateTime certificateNotAfterUtc)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var token = RandomNumberGenerator.GetBytes(TokenBytes);
        var lifetimeEnd = now + options.Value.LinkLifetime;
        var expires = lifetimeEnd < certificateNotAfterUtc ? lifetimeEnd : certificateNotAfterUtc;
        db.RenewalLinks.Add(new RenewalLink
        {
            TokenHash = SHA256.HashData(token),
            CertificateId = certificateId,
            ApplicantId = applicantId,
            CreatedAtUtc = now,
            ExpiresAtUtc = expires,
        });
        return new IssuedRenewalLink(new Uri(options.Value.PortalUrl, PathPrefix + Base64Url.EncodeToString(token)), expires);
    }

    /// <summary>Spends the link when the signed-in account is its holder's and it is unused, unexpired and its certificate still valid.</summary>
    public async Task<RenewalLinkOutcome> RedeemAsync(string token)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var now = time.GetUtcNow().UtcDateTime;
        var hash = Hash(token);
        var link = hash is null ? null : await data.RunAsync(db => db.RenewalLinks.AsNoTracking()
            .Where(l => l.TokenHash == hash)
            .Select(l => new { l.Id, l.CertificateId, l.ApplicantId, l.ExpiresAtUtc, l.UsedAtUtc })
            .SingleOrDefaultAsync()).ConfigureAwait(false);
        if (link is null)
        {
            return await RefuseAsync(actor, null, RenewalLinkRefusal.Unknown).ConfigureAwait(false);
        }

        if (actor.Support is not null || actor.ApplicantId != link.ApplicantId)
        {
            return await RefuseAsync(actor, link.CertificateId, RenewalLinkRefusal.NotTheHolder).ConfigureAwait(false);
        }

        if (link.UsedAtUtc is not null)
        {
            return await RefuseAsync(actor, link.CertificateId, RenewalLinkRefusal.AlreadyUsed).ConfigureAwait(false);
        }

        if (link.ExpiresAtUtc <= now)
        {
            return await RefuseAsync(actor, link.CertificateId, RenewalLinkRefusal.Expired).ConfigureAwait(false);
        }

        var serial = await data.RunAsync(db => db.Certificates
            .Where(c => c.Id == link.CertificateId && c.Status == CertificateStatus.Issued && c.NotAfterUtc > now)
            .Select(c => c.SerialNumber).SingleOrDefaultAsync()).ConfigureAwait(false);
        if (serial is null)
        {
            return await RefuseAsync(actor, link.CertificateId, RenewalLinkRefusal.CertificateEnded).ConfigureAwait(false);
        }

        var spent = await data.RunInTransactionAsync(async db =>
        {
            // Of two openings at the same moment only one changes the row.
            var changed = await db.RenewalLinks.Where(l => l.Id == link.Id && l.UsedAtUtc == null && l.ExpiresAtUtc > now)
                .ExecuteUpdateAsync(set => set.SetProperty(l => l.UsedAtUtc, now).SetProperty(l => l.UsedBy, actor.AuditActor)).ConfigureAwait(false);
            if (changed != 1)
            {
                return false;
            }

            audit.Add(db, actor, AuditActions.RenewalLinkOpened, AuditSubjects.Certificate(link.CertificateId), new { certificate = link.CertificateId, serial });
            await db.SaveChangesAsync().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        return spent
            ? RenewalLinkOutcome.Opened(link.CertificateId)
            : await RefuseAsync(actor, link.CertificateId, RenewalLinkRefusal.AlreadyUsed).ConfigureAwait(false);
    }

    /// <summary>The stored form of a link's token; null for anything that is not a token this class made.</summary>
    private static byte[]? Hash(string token)
    {
        Span<byte> decoded = stackalloc byte[TokenBytes + 3];
        return token.Length == Base64Url.GetEncodedLength(TokenBytes)
            && Base64Url.IsValid(token)
            && Base64Url.TryDecodeFromChars(token, decoded, out var written) && written == TokenBytes
                ? SHA256.HashData(decoded[..TokenBytes])
                : null;
    }

    private async Task<RenewalLinkOutcome> RefuseAsync(Actor actor, long? certificateId, RenewalLinkRefusal refusal)
    {
        await audit.RecordAsync(actor, AuditActions.RenewalLinkRefused,
            certificateId is { } id ? AuditSubjects.Certificate(id) : AuditSubjects.User(actor.UserName), new { reason = refusal.ToString() }).ConfigureAwait(false);
        return RenewalLinkOutcome.Refused(refusal);
    }
}

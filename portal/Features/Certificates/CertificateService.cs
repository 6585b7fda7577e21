using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Certificates;

/// <summary>
/// The certificates an account may see (a holder their own, a representative their organisation's applicants'), their
/// DER for download. Revocation is <see cref="Revocation.RevocationService"/>'s.
/// </summary>
public sealed class CertificateService(
    DataAccess data,
    CurrentActor current,
    AuditTrail audit)
{
    public const int MaxListed = 500;

    public async Task<IReadOnlyList<CertificateListItem>> ListAsync()
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        return await data.RunAsync<IReadOnlyList<CertificateListItem>>(async db => await db.Certificates.AsNoTracking()
            .VisibleTo(db.Applicants, actor)
            .OrderByDescending(c => c.NotAfterUtc).ThenByDescending(c => c.Id)
            .Take(MaxListed)
            .Select(c => new CertificateListItem(c.Id, c.SerialNumber, c.Subject, c.Type, c.Status, c.NotBeforeUtc, c.NotAfterUtc,
                c.ApplicantId, c.Applicant.FirstName + " " + c.Applicant.LastName, c.Device == null ? null : c.Device.SerialNumber))
            .ToListAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async Task<CertificateDetail> GetAsync(long id)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var detail = await data.RunAsync(async db =>
        {
            var certificate = await db.Certificates.AsNoTracking().Include(c => c.Applicant).Include(c => c.Device)
                .VisibleTo(db.Applicants, actor).SingleOrDefaultAsync(c => c.Id == id).ConfigureAwait(false);
            if (certificate is null)
            {
                return null;
            }

            var revocable = await Revocation.RevocationService.Revocable(db, actor).AnyAsync(c => c.Id == id).ConfigureAwait(false);
            return new CertificateDetail(certificate, revocable && certificate.Status == CertificateStatus.Issued);
        }).ConfigureAwait(false);
        if (detail is null)
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.Certificate(id), "view").ConfigureAwait(false);
        }

        return detail;
    }

    /// <summary>The number of the request the certificate was issued for (null for one issued otherwise), to an account that may see it.</summary>
    public async Task<string?> RequestNumberAsync(long id)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        return await data.RunAsync(db => db.CertificateRequests.AsNoTracking()
            .Where(r => r.CertificateId == id && db.Certificates.VisibleTo(db.Applicants, actor).Any(c => c.Id == id))
            .Select(r => r.RequestNumber).FirstOrDefaultAsync()).ConfigureAwait(false);
    }

    /// <summary>The certificate as DER with a file name, for the download endpoint.</summary>
    public async Task<(byte[] Der, string FileName)> DownloadAsync(long id)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var found = await data.RunAsync(db => db.Certificates.AsNoTracking().VisibleTo(db.Applicants, actor)
            .Where(c => c.Id == id).Select(c => new { c.Der, c.SerialNumber }).SingleOrDefaultAsync()).ConfigureAwait(false);
        if (found is null)
        {
            throw await audit.RefuseAsync(actor, AuditSubjects.Certificate(id), "download").ConfigureAwait(false);
        }

        return (found.Der, $"certificate-{found.SerialNumber}.cer");
    }
}

public sealed record CertificateListItem(
    long Id,
    string SerialNumber,
    string Subject,
    CertificateType Type,
    CertificateStatus Status,
    DateTime NotBeforeUtc,
    DateTime NotAfterUtc,
    long ApplicantId,
    string ApplicantName,
    string? DeviceSerial);

public sealed record CertificateDetail(Certificate Certificate, bool CanRevoke);

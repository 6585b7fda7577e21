using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Mail;

namespace Qtsp.Portal.Features.RenewalCodes;

/// <summary>
/// A code for the cloud medium: after the holder signed the application, the CA generates a key pair in its HSM for them
/// (<see cref="ICloudKeyVault"/>), certifies it under the qualified profile (the renewed certificate's subject, the
/// code's term, the start the holder chose) and records key and certificate — the code spent in the same transaction.
/// A refused issuance destroys the new key and gives the code back.
/// </summary>
public sealed class CloudRenewal(DataAccess data, CurrentActor current, AuditTrail audit, ICertificateAuthority authority, ICloudKeyVault vault, MailOutbox outbox,
    TimeProvider time)
{
    public const string IssuanceFailed = "RenewalCodes.Issue.Refused";

    public async Task<Outcome<RenewalIssued>> IssueAsync(long applicationId)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        if (RenewalCodeRedemption.HolderOf(actor) is not { } applicantId)
        {
            throw await audit.RefuseAsync(actor, $"renewal-application:{applicationId}", "renewal-code.cloud-issue").ConfigureAwait(false);
        }

        var keyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var generated = false;
        try
        {
            var outcome = await data.RunInTransactionAsync(async db =>
            {
                var now = time.GetUtcNow();
                var application = await db.RenewalApplications.AsNoTracking()
                    .SingleOrDefaultAsync(a => a.Id == applicationId && a.ApplicantId == applicantId && a.Medium == KeyMedium.Cloud && a.CertificateId == null).ConfigureAwait(false);
                var applicant = await db.Applicants.Include(a => a.Organisation).AsNoTracking().SingleAsync(a => a.Id == applicantId).ConfigureAwait(false);
                var renewed = application is null ? null : await db.Certificates.AsNoTracking().SingleOrDefaultAsync(c => c.Id == application.RenewsCertificateId).ConfigureAwait(false);
                if (application is null || renewed is null || applicant.IsBlocked || renewed.ApplicantId != applicantId || !renewed.IsValidAt(now.UtcDateTime))
                {
                    return await RefuseAsync(db, actor, applicationId, RenewalCodeRedemption.NotUsable, "NotUsable").ConfigureAwait(false);
                }

                var paid = await RenewalCodeClaim.ClaimAsync(db, applicationId, applicantId, actor, now.UtcDateTime).ConfigureAwait(false);
                if (paid is null)
                {
                    return await RefuseAsync(db, actor, applicationId, RenewalCodeRedemption.NotUsable, "CodeNotUsable").ConfigureAwait(false);
                }

                using var renewedCertificate = X509CertificateLoader.LoadCertificate(renewed.Der);
                var publicKey = await vault.GenerateAsync(keyId, $"qtsp-cloud:{applicantId}", CancellationToken.None).ConfigureAwait(false);
                generated = true;
                var notBefore = RenewalCodeClaim.NotBefore(paid, now);
                var result = await authority.IssueAsync(new IssuanceRequest(publicKey,
                    IssuanceSubjects.For(applicant, IssuanceSubjects.SerialNumberOf(renewedCertificate), paid.Email ?? applicant.Email),
                    CertificateProfile.QualifiedNaturalPerson, notBefore, notBefore.AddMonths(paid.TermMonths),
                    // The HSM is the CA's secure device; it is not claimed as a certified QSCD here.
                    new VerifiedKeyFacts(KeyOnQscd: false, KeyOnSecureDevice: true, FromPkcs12Import: false))).ConfigureAwait(false);
                if (result is not IssuedCertificate issued)
                {
                    await RenewalCodeClaim.ReleaseAsync(db, applicationId).ConfigureAwait(false);
                    return await RefuseAsync(db, actor, applicationId, IssuanceFailed, ((IssuanceRefused)result).Reason.ToString()).ConfigureAwait(false);
                }

                using var parsed = X509CertificateLoader.LoadCertificate(issued.Der);
                var certificate = Certificate.FromIssued(parsed, CertificateType.Qualified);
                certificate.ApplicantId = applicantId;
                certificate.KeyIdHex = keyId;
                db.Certificates.Add(certificate);
                await db.SaveChangesAsync().ConfigureAwait(false);
                var cloudKey = new CloudKey { ApplicantId = applicantId, KeyIdHex = keyId, CertificateId = certificate.Id, CreatedAtUtc = now.UtcDateTime };
                db.CloudKeys.Add(cloudKey);
                var tracked = await db.RenewalApplications.SingleAsync(a => a.Id == applicationId).ConfigureAwait(false);
                await RenewalCodeClaim.CompleteAsync(db, audit, tracked, certificate.Id, certificate.SerialNumber, actor).ConfigureAwait(false);
                audit.Add(db, actor, AuditActions.CertificateIssued, AuditSubjects.Certificate(certificate.Id), new
                {
                    serial = certificate.SerialNumber, ca = issued.CaName, type = nameof(CertificateType.Qualified), medium = nameof(KeyMedium.Cloud), application = paid.Reference,
                });
                audit.Add(db, actor, AuditActions.CloudKeyGenerated, AuditSubjects.Certificate(certificate.Id), new { key = keyId, serial = certificate.SerialNumber });
                outbox.Enqueue(db, "certificate.issued", paid.Email ?? applicant.Email,
                    MailTexts.L["Mail.CertificateIssued.Subject", paid.Reference],
                    MailTexts.L["Mail.CertificateIssued.Body", applicant.DisplayName, paid.Reference, certificate.SerialNumber, "HSM"]);
                await db.SaveChangesAsync().ConfigureAwait(false);
                return Outcome.Done(new RenewalIssued(certificate.Id, certificate.SerialNumber, certificate.NotBeforeUtc, certificate.NotAfterUtc, false, cloudKey.Id));
            }).ConfigureAwait(false);
            if (!outcome.Succeeded && generated)
            {
                await vault.DestroyAsync(keyId).ConfigureAwait(false);
            }

            return outcome;
        }
        catch
        {
            if (generated)
            {
                await vault.DestroyAsync(keyId).ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task<Outcome<RenewalIssued>> RefuseAsync(PortalDbContext db, Actor actor, long applicationId, string messageKey, string reason)
    {
        audit.Add(db, actor, AuditActions.RenewalApplicationRefused, $"renewal-application:{applicationId}", new { reason });
        await db.SaveChangesAsync().ConfigureAwait(false);
        return Outcome.Refused<RenewalIssued>(messageKey);
    }
}

using System.Security.Cryptography;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Statistics;

/// <summary>Certificate and request rows with exactly the dates a statistics test needs (the figures never read the DER).</summary>
internal static class StatisticsSeed
{
    public static Task<Certificate> CertificateAsync(
        this TestData data, Applicant applicant, CertificateType type, DateTime notBeforeUtc, DateTime notAfterUtc, DateTime? revokedAtUtc = null) =>
        data.DbAsync(async db =>
        {
            var certificate = new Certificate
            {
                SerialNumber = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
                Issuer = "CN=Statistics Test CA",
                Subject = $"CN={applicant.DisplayName}",
                Type = type,
                NotBeforeUtc = notBeforeUtc,
                NotAfterUtc = notAfterUtc,
                Status = revokedAtUtc is null ? CertificateStatus.Issued : CertificateStatus.Revoked,
                RevokedAtUtc = revokedAtUtc,
                RevocationReason = revokedAtUtc is null ? null : RevocationReason.Superseded,
                ApplicantId = applicant.Id,
                Der = [0x30, 0x00],
            };
            db.Certificates.Add(certificate);
            await db.SaveChangesAsync();
            return certificate;
        });

    public static Task<CertificateRequest> RequestAsync(this TestData data, Applicant applicant, CertificateType type, RequestStatus status, DateTime createdAtUtc) =>
        data.DbAsync(async db =>
        {
            var request = new CertificateRequest
            {
                RequestNumber = RequestNumbers.New(type),
                Type = type,
                Kind = RequestKind.Initial,
                Status = status,
                ApplicantId = applicant.Id,
                SubjectName = applicant.DisplayName,
                Email = applicant.Email,
                ValidityMonths = 12,
                CreatedAtUtc = createdAtUtc,
                CreatedBy = "test",
            };
            db.CertificateRequests.Add(request);
            await db.SaveChangesAsync();
            return request;
        });

    public static DateTime Utc(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, DateTimeKind.Utc);
}

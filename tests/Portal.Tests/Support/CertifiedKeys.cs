using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Tests.Ca;

namespace Qtsp.Portal.Tests.Support;

/// <summary>A certificate the portal's CA issued and recorded for an applicant, with its private key kept by the test (as a token keeps it).</summary>
public sealed record CertifiedKey(Certificate Record, X509Certificate2 WithKey);

public static class CertifiedKeys
{
    /// <summary>Has the portal's own CA issue a certificate of <paramref name="type"/> for a fresh P-256 key and records it as the applicant's.</summary>
    public static async Task<CertifiedKey> IssueAsync(TestData data, IServiceProvider services, Applicant applicant, SecureDevice? device, CertificateType type = CertificateType.Qualified)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = type == CertificateType.Commercial
            ? IssuanceRequests.Commercial(key.ExportSubjectPublicKeyInfo())
            : IssuanceRequests.Qualified(key.ExportSubjectPublicKeyInfo());
        var issued = (await services.GetRequiredService<ICertificateAuthority>().IssueAsync(request)).ShouldBeOfType<IssuedCertificate>();
        using var certificate = X509CertificateLoader.LoadCertificate(issued.Der);
        var record = Certificate.FromIssued(certificate, type);
        record.ApplicantId = applicant.Id;
        record.DeviceId = device?.Id;
        await data.DbAsync(db =>
        {
            db.Certificates.Add(record);
            return db.SaveChangesAsync();
        });
        return new CertifiedKey(record, certificate.CopyWithPrivateKey(key));
    }
}

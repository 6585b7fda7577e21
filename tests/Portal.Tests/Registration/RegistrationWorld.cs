using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Registration;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Tests.Support;
using Pkcs10 = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace Qtsp.Portal.Tests.Registration;

/// <summary>
/// An applicant of an organisation (no personal number: the document gives the serialNumber) with a holder account, a
/// registered device, and a request sent from it, waiting for the identity check; an RA operator to decide it.
/// </summary>
internal sealed record RegistrationWorld(TestData Data, Organisation Organisation, Applicant Applicant, TestAccount Holder, SecureDevice Device, CertificateRequest Request, TestAccount Operator)
{
    public static async Task<RegistrationWorld> CreateAsync(TestData data, bool blocked = false, RequestKind kind = RequestKind.Initial,
        RequestStatus status = RequestStatus.Submitted, string? personalIdentifier = null)
    {
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Jana", "Nováková", blocked: blocked);
        if (personalIdentifier is not null)
        {
            await data.DbAsync(async db =>
            {
                var row = await db.Applicants.SingleAsync(a => a.Id == applicant.Id);
                row.PersonalIdentifier = personalIdentifier;
                return await db.SaveChangesAsync();
            });
        }

        var holder = await data.AccountAsync(PortalRoles.Holder, organisation, applicant);
        var device = await data.DeviceAsync(null);
        using var serviceKey = RSA.Create(2048);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new Pkcs10("CN=Jana Nováková, C=CZ", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var request = await data.DbAsync(async db =>
        {
            var row = await db.SecureDevices.SingleAsync(d => d.Id == device.Id);
            row.ServiceKeyPublicKey = serviceKey.ExportSubjectPublicKeyInfo();
            var request = new CertificateRequest
            {
                RequestNumber = RequestNumbers.New(CertificateType.Qualified),
                Type = CertificateType.Qualified,
                Kind = kind,
                Status = status,
                ApplicantId = applicant.Id,
                DeviceId = device.Id,
                SubjectName = applicant.DisplayName,
                Email = applicant.Email,
                ValidityMonths = 12,
                Csr = csr,
                KeyIdHex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
                CreatedAtUtc = DateTime.UtcNow.AddHours(-1),
                CreatedBy = "representative",
                SubmittedAtUtc = DateTime.UtcNow.AddMinutes(-30),
            };
            db.CertificateRequests.Add(request);
            await db.SaveChangesAsync();
            return request;
        });
        var ra = await data.AccountAsync(PortalRoles.RaOperator);
        return new RegistrationWorld(data, organisation, applicant, holder, device, request, ra);
    }

    /// <summary>A document that passes every check: an identity card valid for years, all three checks done.</summary>
    public static IdentityDocumentInput GoodDocument(string number = "ab 1234567") => new()
    {
        DocumentType = IdentityDocumentType.IdentityCard,
        DocumentNumber = number,
        IssuingCountry = "cz",
        ValidUntil = DateTime.Today.AddYears(3),
        PhotoMatches = true,
        DocumentGenuine = true,
        DataMatch = true,
        Note = "Občanský průkaz předložen osobně.",
    };

    public Task<ApprovalOutcome> ApproveAsync(TestAccount? by = null, IdentityDocumentInput? document = null, int revision = 0) =>
        Data.AsAsync<IdentityVerification, ApprovalOutcome>(by ?? Operator, s => s.ApproveAsync(Request.Id, revision, document ?? GoodDocument()));

    public Task<RejectionOutcome> RejectAsync(string? reason, TestAccount? by = null) =>
        Data.AsAsync<IdentityVerification, RejectionOutcome>(by ?? Operator, s => s.RejectAsync(Request.Id, reason));

    public Task<CertificateRequest> RowAsync() => Data.DbAsync(db => db.CertificateRequests.AsNoTracking().SingleAsync(r => r.Id == Request.Id));

    /// <summary>An account with a second role added (e.g. support staff who are RA operators too).</summary>
    public static async Task AddRoleAsync(IServiceProvider services, TestAccount account, string role)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByIdAsync(account.UserId) ?? throw new InvalidOperationException(account.UserName);
        var result = await users.AddToRoleAsync(user, role);
        result.Succeeded.ShouldBeTrue();
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.RenewalCodes;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Pkcs10 = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace Qtsp.Portal.Tests.RenewalCodes;

/// <summary>
/// A holder with a device bound to them and a qualified certificate from the portal's own CA on it (its key kept here, as
/// the agent keeps it on the device), staff who sell codes, and the steps of the wizard as the page calls them. Each world
/// comes from its own address, so the wrong-code throttle of one test never touches another.
/// </summary>
internal sealed class RenewalCodeWorld
{
    private static int _addresses;
    private readonly RSA _serviceKey = RSA.Create(2048);

    private RenewalCodeWorld(PortalServer server, TestData data)
    {
        Server = server;
        Data = data;
        Address = $"192.0.2.{Interlocked.Increment(ref _addresses) % 250 + 1}";
    }

    public PortalServer Server { get; }

    public TestData Data { get; }

    public string Address { get; set; }

    public Applicant Applicant { get; private set; } = default!;

    public TestAccount Holder { get; private set; } = default!;

    public TestAccount Staff { get; private set; } = default!;

    public SecureDevice Device { get; private set; } = default!;

    public Certificate Current { get; private set; } = default!;

    public X509Certificate2 CurrentWithKey { get; private set; } = default!;

    public ECDsa CurrentKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static async Task<RenewalCodeWorld> CreateAsync(PortalServer server, TestData data, string name = "Jana", TestAccount? staff = null)
    {
        var world = new RenewalCodeWorld(server, data);
        world.Applicant = await data.ApplicantAsync(null, name);
        world.Holder = await data.AccountAsync(PortalRoles.Holder, applicant: world.Applicant);
        world.Staff = staff ?? await data.AccountAsync(PortalRoles.RaOperator);
        world.Device = await data.DeviceAsync(world.Applicant);
        await data.DbAsync(async db =>
        {
            var row = await db.SecureDevices.SingleAsync(d => d.Id == world.Device.Id);
            row.ServiceKeyPublicKey = world._serviceKey.ExportSubjectPublicKeyInfo();
            return await db.SaveChangesAsync();
        });
        var issued = (await server.App.Services.GetRequiredService<ICertificateAuthority>().IssueAsync(IssuanceRequests.Qualified(world.CurrentKey.ExportSubjectPublicKeyInfo())))
            .ShouldBeOfType<IssuedCertificate>();
        using var certificate = X509CertificateLoader.LoadCertificate(issued.Der);
        var record = Certificate.FromIssued(certificate, CertificateType.Qualified);
        record.ApplicantId = world.Applicant.Id;
        record.DeviceId = world.Device.Id;
        record.KeyIdHex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        await data.DbAsync(db =>
        {
            db.Certificates.Add(record);
            return db.SaveChangesAsync();
        });
        world.Current = record;
        world.CurrentWithKey = certificate.CopyWithPrivateKey(world.CurrentKey);
        return world;
    }

    /// <summary>Services acting as <paramref name="account"/>, from this world's address.</summary>
    public async Task<T> AsAsync<TService, T>(TestAccount account, Func<TService, Task<T>> work)
        where TService : notnull
    {
        await using var scope = await Data.AsAsync(account);
        scope.ServiceProvider.GetRequiredService<RequestOrigin>().Address = Address;
        return await work(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async Task<IReadOnlyList<string>> BatchAsync(KeyMedium medium = KeyMedium.Card, int term = 24, int count = 3, DateTime? expiresOn = null)
    {
        var outcome = await AsAsync<RenewalCodeBatches, Outcome<CreatedRenewalCodeBatch>>(Staff, s => s.CreateAsync(new NewRenewalCodeBatch
        {
            Product = CertificateType.Qualified, TermMonths = term, Medium = medium, Count = count, ExpiresOn = expiresOn ?? DateTime.UtcNow.AddDays(30),
        }));
        outcome.Errors.ShouldBeEmpty();
        return outcome.Value.ShouldNotBeNull().Codes;
    }

    public Task<Outcome<RenewalCodeOffer>> CheckAsync(string? code, TestAccount? account = null) =>
        AsAsync<RenewalCodeRedemption, Outcome<RenewalCodeOffer>>(account ?? Holder, s => s.CheckAsync(code));

    public Task<Outcome<RenewalApplicationDraft>> PrepareAsync(RenewalCodeOffer offer, RenewalStart start = RenewalStart.AfterCurrent, long? certificateId = null,
        TestAccount? account = null) =>
        AsAsync<RenewalCodeRedemption, Outcome<RenewalApplicationDraft>>(account ?? Holder, s => s.PrepareAsync(offer, certificateId ?? Current.Id, start));

    public Task<Outcome<SignedRenewalApplication>> SubmitSignatureAsync(RenewalApplicationDraft draft, DocumentSigned signature, TestAccount? account = null) =>
        AsAsync<RenewalCodeRedemption, Outcome<SignedRenewalApplication>>(account ?? Holder, s => s.SubmitSignatureAsync(draft, signature));

    /// <summary>Code checked, application prepared and signed on the token with the current certificate, contact confirmed.</summary>
    public async Task<SignedRenewalApplication> SignedApplicationAsync(string code, RenewalStart start = RenewalStart.AfterCurrent)
    {
        var offer = (await CheckAsync(code)).Value.ShouldNotBeNull();
        var draft = (await PrepareAsync(offer, start)).Value.ShouldNotBeNull();
        var signed = await SubmitSignatureAsync(draft, Sign(CurrentWithKey, draft.Document));
        signed.MessageKey.ShouldBeNull();
        var application = signed.Value.ShouldNotBeNull();
        (await AsAsync<RenewalCodeRedemption, Outcome>(Holder, s => s.ConfirmContactAsync(application.Id, Applicant.Email, "+420 777 123 456"))).Succeeded.ShouldBeTrue();
        return application;
    }

    /// <summary>What the page hands over after the agent made the new key and its request on the card, signed by the current key too.</summary>
    public DeviceRequest CardRequest(ECDsa newKey, long? applicationId, long? renews = null)
    {
        var nonce = RandomNumberGenerator.GetBytes(32);
        var csr = new Pkcs10($"CN={Applicant.DisplayName}, C=CZ", newKey, HashAlgorithmName.SHA256).CreateSigningRequest();
        var statement = new AttestationStatement(SHA256.HashData(csr), nonce, Device.SerialNumber, DateTimeOffset.UtcNow).Encode();
        var attestation = new ServiceKeyAttestation(statement, _serviceKey.SignData(statement, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "RSA-PKCS1-SHA256");
        var proof = new RenewalProof(CurrentKey.SignData(statement, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), RenewalProof.EcdsaSha256);
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        return new DeviceRequest(new KeyRequestCreated(csr, attestation, keyId, "p11#" + keyId, Device.SerialNumber, proof), nonce, DateTimeOffset.UtcNow, AreaKind.Qualified,
            RenewsCertificateId: renews ?? Current.Id, RenewalApplicationId: applicationId);
    }

    public Task<DeviceRequestOutcome> SubmitCardAsync(DeviceRequest request) =>
        AsAsync<DeviceRequestSubmission, DeviceRequestOutcome>(Holder, s => s.SubmitAsync(request));

    public async Task<string> EnrolAuthenticatorAsync()
    {
        await using var scope = Server.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByIdAsync(Holder.UserId)).ShouldNotBeNull();
        (await users.ResetAuthenticatorKeyAsync(user)).Succeeded.ShouldBeTrue();
        (await users.SetTwoFactorEnabledAsync(user, true)).Succeeded.ShouldBeTrue();
        return (await users.GetAuthenticatorKeyAsync(user)).ShouldNotBeNull();
    }

    /// <summary>What the agent's SignDocument returns, made with <paramref name="signer"/> over <paramref name="document"/>.</summary>
    public static DocumentSigned Sign(X509Certificate2 signer, byte[] document)
    {
        var cms = new SignedCms(new ContentInfo(document), detached: true);
        var cmsSigner = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, signer) { DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"), IncludeOption = X509IncludeOption.EndCertOnly };
        cmsSigner.SignedAttributes.Add(new Pkcs9SigningTime(DateTime.UtcNow));
        cms.ComputeSignature(cmsSigner);
        return new DocumentSigned(cms.Encode(), Convert.ToHexString(SHA256.HashData(signer.RawData)));
    }
}

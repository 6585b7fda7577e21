using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Pkcs10 = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace Qtsp.Portal.Tests.Requests;

/// <summary>
/// A request from the holder's device is taken only when everything the page and the agent claim checks out,
/// and each hostile variant is refused with its reason and audited: an old nonce, a replay, another key's attestation,
/// another nonce, a weak or damaged request, an unregistered device, a blocked applicant, a device bound to someone else.
/// </summary>
public sealed class DeviceRequestSubmissionTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_verified_request_gets_its_BP_number_and_is_recorded_for_the_holder(DatabaseProvider provider)
    {
        var world = await WorldAsync(portals.Data(provider));

        var outcome = await world.SubmitAsync(world.Request(AreaKind.Qualified));

        outcome.Refusal.ShouldBeNull();
        var recorded = outcome.Recorded.ShouldNotBeNull();
        RequestNumbers.IsValid(recorded.RequestNumber).ShouldBeTrue();
        recorded.RequestNumber.ShouldStartWith("BP");
        recorded.SubjectName.ShouldBe("Jana Nováková");
        var row = await world.Data.DbAsync(db => db.CertificateRequests.AsNoTracking().SingleAsync(r => r.Id == recorded.Id));
        row.Status.ShouldBe(RequestStatus.Submitted);
        row.Type.ShouldBe(CertificateType.Qualified);
        row.ApplicantId.ShouldBe(world.Applicant.Id);
        row.DeviceId.ShouldBe(world.Device.Id);
        row.Csr.ShouldBe(world.Csr);
        (await world.Data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.RequestSubmitted && a.Subject == AuditSubjects.Request(recorded.Id) && a.Actor == world.Holder.UserName);

        // The key it was made for now waits for its certificate (My token no longer calls it an orphan).
        var pending = await world.Data.AsAsync<RequestService, PendingKeys>(world.Holder, s => s.PendingKeysAsync());
        pending.RequestFor(world.Device.SerialNumber, "A1B2C3D4E5F6").ShouldBe(recorded.RequestNumber);
        pending.RequestFor(world.Device.SerialNumber, "ffff").ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_standard_area_request_is_commercial_with_a_KC_number(DatabaseProvider provider)
    {
        var world = await WorldAsync(portals.Data(provider));

        var outcome = await world.SubmitAsync(world.Request(AreaKind.Standard));

        outcome.Recorded.ShouldNotBeNull().RequestNumber.ShouldStartWith("KC");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Hostile_requests_are_refused_with_their_reason_and_audited(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var world = await WorldAsync(data);

        // A replay of a request taken once.
        (await world.SubmitAsync(world.Request(AreaKind.Qualified))).Recorded.ShouldNotBeNull();
        (await world.SubmitAsync(world.Request(AreaKind.Qualified))).Refusal.ShouldBe(DeviceRequestRefusal.AlreadySubmitted);

        (await (await WorldAsync(data)).SubmitOldAsync()).Refusal.ShouldBe(DeviceRequestRefusal.Expired);
        var other = await WorldAsync(data);
        using (var stranger = RSA.Create(2048))
        {
            (await other.SubmitAsync(other.Request(AreaKind.Qualified, attestedBy: stranger))).Refusal.ShouldBe(DeviceRequestRefusal.AttestationInvalid);
        }

        other = await WorldAsync(data);
        (await other.SubmitAsync(other.Request(AreaKind.Qualified) with { Nonce = RandomNumberGenerator.GetBytes(32) })).Refusal.ShouldBe(DeviceRequestRefusal.AttestationInvalid);

        other = await WorldAsync(data, weakKey: true);
        (await other.SubmitAsync(other.Request(AreaKind.Qualified))).Refusal.ShouldBe(DeviceRequestRefusal.WeakKey);

        other = await WorldAsync(data);
        var damaged = other.Csr.ToArray();
        damaged[^5] ^= 0x5A;
        (await other.SubmitAsync(other.Request(AreaKind.Qualified, csr: damaged))).Refusal.ShouldBe(DeviceRequestRefusal.InvalidRequest);

        other = await WorldAsync(data);
        var notHex = other.Request(AreaKind.Qualified);
        (await other.SubmitAsync(notHex with { Created = notHex.Created with { KeyIdHex = "<script>" } })).Refusal.ShouldBe(DeviceRequestRefusal.InvalidRequest);

        other = await WorldAsync(data, registered: false);
        (await other.SubmitAsync(other.Request(AreaKind.Qualified))).Refusal.ShouldBe(DeviceRequestRefusal.DeviceNotRegistered);

        other = await WorldAsync(data, blocked: true);
        (await other.SubmitAsync(other.Request(AreaKind.Qualified))).Refusal.ShouldBe(DeviceRequestRefusal.ApplicantBlocked);

        other = await WorldAsync(data, boundToSomeoneElse: true);
        (await other.SubmitAsync(other.Request(AreaKind.Qualified))).Refusal.ShouldBe(DeviceRequestRefusal.DeviceBoundToSomeoneElse);

        var refusals = (await data.AuditAsync()).Where(a => a.Action == AuditActions.RequestRefused).Select(a => a.Details!).ToArray();
        foreach (var reason in new[] { "AlreadySubmitted", "Expired", "AttestationInvalid", "WeakKey", "InvalidRequest", "DeviceNotRegistered", "ApplicantBlocked", "DeviceBoundToSomeoneElse" })
        {
            refusals.ShouldContain(d => d.Contains(reason, StringComparison.Ordinal), reason);
        }
    }

    private static async Task<World> WorldAsync(TestData data, bool registered = true, bool blocked = false, bool boundToSomeoneElse = false, bool weakKey = false)
    {
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Jana", "Nováková", blocked: blocked);
        var holder = await data.AccountAsync(PortalRoles.Holder, organisation, applicant);
        var someoneElse = boundToSomeoneElse ? await data.ApplicantAsync(organisation, "Petr") : null;
        var device = await data.DeviceAsync(someoneElse);
        var serviceKey = RSA.Create(2048);
        if (registered)
        {
            await data.DbAsync(async db =>
            {
                var row = await db.SecureDevices.SingleAsync(d => d.Id == device.Id);
                row.ServiceKeyPublicKey = serviceKey.ExportSubjectPublicKeyInfo();
                return await db.SaveChangesAsync();
            });
        }

        byte[] csr;
        if (weakKey)
        {
            using var rsa = RSA.Create(1024);
            csr = new Pkcs10("CN=Jana Nováková, C=CZ", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();
        }
        else
        {
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            csr = new Pkcs10("CN=Jana Nováková, C=CZ", ec, HashAlgorithmName.SHA256).CreateSigningRequest();
        }

        return new World(data, applicant, holder, device, serviceKey, csr);
    }

    private sealed record World(TestData Data, Applicant Applicant, TestAccount Holder, SecureDevice Device, RSA ServiceKey, byte[] Csr)
    {
        private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(32);

        /// <summary>What the page hands back after the agent made the request: attested by the device's service key unless said otherwise.</summary>
        public DeviceRequest Request(AreaKind area, RSA? attestedBy = null, byte[]? csr = null, DateTimeOffset? issuedAt = null)
        {
            var request = csr ?? Csr;
            var statement = new AttestationStatement(SHA256.HashData(request), _nonce, Device.SerialNumber, DateTimeOffset.UtcNow).Encode();
            var signature = (attestedBy ?? ServiceKey).SignData(statement, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var created = new KeyRequestCreated(request, new ServiceKeyAttestation(statement, signature, "RSA-PKCS1-SHA256"), "a1b2c3d4e5f6", "p11#a1b2c3d4", Device.SerialNumber);
            return new DeviceRequest(created, _nonce, issuedAt ?? DateTimeOffset.UtcNow, area);
        }

        public Task<DeviceRequestOutcome> SubmitAsync(DeviceRequest request) =>
            Data.AsAsync<DeviceRequestSubmission, DeviceRequestOutcome>(Holder, s => s.SubmitAsync(request));

        public Task<DeviceRequestOutcome> SubmitOldAsync() =>
            SubmitAsync(Request(AreaKind.Qualified, issuedAt: DateTimeOffset.UtcNow - DeviceRequestSubmission.NonceLifetime - TimeSpan.FromSeconds(5)));
    }
}

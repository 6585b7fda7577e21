using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Pkcs10 = System.Security.Cryptography.X509Certificates.CertificateRequest;

namespace Qtsp.Portal.Tests.Requests;

/// <summary>
/// A request's life after it is taken, through the portal's services on a real portal (embedded CA in SoftHSM2, both
/// databases): issued once however many approve it, the binding made at the first issuance, accepted only by its holder,
/// renewed without a branch only with a proof by the renewed key over a bound device, prepared data sent under their
/// number, and a blocked applicant's open requests withdrawn. openssl judges what the CA issued.
/// </summary>
public sealed class IssuanceLifecycleTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_verified_request_is_issued_once_with_the_binding_and_the_chain_openssl_accepts(DatabaseProvider provider)
    {
        var world = await World.CreateAsync(portals, provider, bound: false);
        var requestId = await world.SubmitAndVerifyAsync();

        // Two operators approve at the same moment: one certificate.
        var outcomes = await Task.WhenAll(world.IssueAsync(requestId), world.IssueAsync(requestId));

        var issued = outcomes.Select(o => o.Issued).OfType<RequestIssued>().ShouldHaveSingleItem();
        outcomes.Count(o => o.Refusal == IssuanceRefusal.NotReady).ShouldBe(1);
        issued.BindingCreated.ShouldBeTrue();
        var certificate = await world.Data.DbAsync(db => db.Certificates.AsNoTracking().SingleAsync(c => c.Id == issued.CertificateId));
        certificate.ApplicantId.ShouldBe(world.Applicant.Id);
        certificate.DeviceId.ShouldBe(world.Device.Id);
        certificate.KeyIdHex.ShouldBe(world.KeyIdHex);
        (await world.Data.DbAsync(db => db.Certificates.CountAsync(c => c.ApplicantId == world.Applicant.Id))).ShouldBe(1);
        (await world.Data.DbAsync(db => db.DeviceBindings.SingleAsync(b => b.DeviceId == world.Device.Id && b.CancelledAtUtc == null))).ApplicantId.ShouldBe(world.Applicant.Id);

        using var parsed = X509CertificateLoader.LoadCertificate(certificate.Der);
        parsed.PublicKey.ExportSubjectPublicKeyInfo().ShouldBe(world.Key.ExportSubjectPublicKeyInfo());
        parsed.Subject.ShouldContain("SERIALNUMBER=IDCCZ-123456789");
        var cas = await world.CaCertificatesAsync();
        (await OpensslJudge.VerifyAsync(cas[CaNames.Root], cas[CaNames.Qualified], certificate.Der)).ExitCode.ShouldBe(0);
        var text = await OpensslJudge.TextAsync(certificate.Der);
        text.ShouldContain("0.4.0.194112.1.2"); // QCP-n-qscd: a registered device within its QSCD certification

        var audit = await world.Data.AuditAsync();
        audit.ShouldContain(a => a.Action == AuditActions.CertificateIssued && a.Subject == AuditSubjects.Certificate(certificate.Id) && a.Actor == world.Operator.UserName);
        (await world.Data.DbAsync(db => db.OutboxMessages.AnyAsync(m => m.Kind == "certificate.issued" && m.Recipient == world.Applicant.Email))).ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_revocation_password_is_kept_only_as_a_hash_on_the_request_and_goes_to_the_certificate_at_issuance(DatabaseProvider provider)
    {
        var world = await World.CreateAsync(portals, provider, bound: false);
        var password = Qtsp.Portal.Features.Revocation.RevocationPasswords.Generate();

        (await world.SubmitAsync(world.Request() with { RevocationPassword = "too short" })).Refusal.ShouldBe(DeviceRequestRefusal.RevocationPasswordTooShort);
        var requestId = (await world.SubmitAsync(world.Request() with { RevocationPassword = password })).Recorded.ShouldNotBeNull().Id;
        await world.VerifyAsync(requestId);
        var issued = (await world.IssueAsync(requestId)).Issued.ShouldNotBeNull();

        var request = await world.Data.DbAsync(db => db.CertificateRequests.AsNoTracking().SingleAsync(r => r.Id == requestId));
        request.RevocationPasswordHash.ShouldNotBeNull().ShouldNotContain(password);
        Qtsp.Portal.Features.Revocation.RevocationPasswords.Verify(request.RevocationPasswordHash, password).ShouldBeTrue();
        Qtsp.Portal.Features.Revocation.RevocationPasswords.Verify(request.RevocationPasswordHash, password + "!").ShouldBeFalse();
        var certificate = await world.Data.DbAsync(db => db.Certificates.AsNoTracking().SingleAsync(c => c.Id == issued.CertificateId));
        certificate.RevocationPasswordHash.ShouldBe(request.RevocationPasswordHash);
        (await world.Data.DbAsync(db => db.AuditEvents.AnyAsync(a => a.Details != null && a.Details.Contains(password)))).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_request_is_not_issued_before_its_identity_check_nor_for_a_blocked_applicant(DatabaseProvider provider)
    {
        var world = await World.CreateAsync(portals, provider, bound: false);
        var requestId = (await world.SubmitAsync(world.Request())).Recorded.ShouldNotBeNull().Id;

        (await world.IssueAsync(requestId)).Refusal.ShouldBe(IssuanceRefusal.NotReady);

        await world.VerifyAsync(requestId);
        await world.Data.DbAsync(async db =>
        {
            var applicant = await db.Applicants.SingleAsync(a => a.Id == world.Applicant.Id);
            applicant.IsBlocked = true;
            return await db.SaveChangesAsync();
        });
        (await world.IssueAsync(requestId)).Refusal.ShouldBe(IssuanceRefusal.ApplicantBlocked);
        // The refusal undid its claim: the request still waits, and no certificate exists.
        (await world.Data.DbAsync(db => db.CertificateRequests.SingleAsync(r => r.Id == requestId))).Status.ShouldBe(RequestStatus.Verified);
        (await world.Data.DbAsync(db => db.Certificates.AnyAsync(c => c.ApplicantId == world.Applicant.Id))).ShouldBeFalse();
        (await world.Data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.IssuanceRefused && a.Subject == AuditSubjects.Request(requestId));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Only_the_holder_accepts_and_the_certificate_waits_under_issued_until_it_is_on_the_device(DatabaseProvider provider)
    {
        var world = await World.CreateAsync(portals, provider, bound: false);
        var issued = (await world.IssueAsync(await world.SubmitAndVerifyAsync())).Issued.ShouldNotBeNull();

        var device = world.Snapshot();
        var view = await world.Data.AsAsync<DeviceCertificates, DeviceRegistryView>(world.Holder, s => s.ForDevicesAsync([device]));
        view.IssuedFor(world.Device.SerialNumber).ShouldHaveSingleItem().Id.ShouldBe(issued.CertificateId);

        // Another holder, and a representative of the organisation, cannot accept it.
        var stranger = await world.Data.AccountAsync(PortalRoles.Holder, world.Organisation, await world.Data.ApplicantAsync(world.Organisation, "Eva"));
        (await world.Data.AsAsync<DeviceCertificates, AcceptanceOutcome>(stranger, s => s.AcceptAsync(issued.CertificateId))).Refusal.ShouldBe(AcceptanceRefusal.NotFound);
        var representative = await world.Data.AccountAsync(PortalRoles.CompanyRepresentative, world.Organisation);
        (await world.Data.AsAsync<DeviceCertificates, AcceptanceOutcome>(representative, s => s.AcceptAsync(issued.CertificateId))).Refusal.ShouldBe(AcceptanceRefusal.NotFound);
        (await world.Data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.AccessRefused && a.Actor == stranger.UserName && a.Subject == AuditSubjects.Certificate(issued.CertificateId));

        var accepted = (await world.Data.AsAsync<DeviceCertificates, AcceptanceOutcome>(world.Holder, s => s.AcceptAsync(issued.CertificateId))).Accepted.ShouldNotBeNull();
        accepted.KeyIdHex.ShouldBe(world.KeyIdHex);
        (await world.Data.AuditAsync()).Count(a => a.Action == AuditActions.CertificateAccepted && a.Subject == AuditSubjects.Certificate(issued.CertificateId)).ShouldBe(1);

        // Once the device holds it, it is known to the CA there and no longer waits.
        var installed = world.Snapshot(accepted.Der);
        view = await world.Data.AsAsync<DeviceCertificates, DeviceRegistryView>(world.Holder, s => s.ForDevicesAsync([installed]));
        view.IssuedFor(world.Device.SerialNumber).ShouldBeEmpty();
        view.StatusOf(installed.Areas[0].Certificates[0]).ShouldBe(RegistryStatus.Known);
        using var foreign = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var selfSigned = new Pkcs10("CN=Jana Nováková", foreign, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        view.StatusOf(world.Snapshot(selfSigned.RawData).Areas[0].Certificates[0]).ShouldBe(RegistryStatus.Foreign);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_renewal_signed_by_the_current_key_on_the_bound_device_is_issued_at_once(DatabaseProvider provider)
    {
        var world = await World.CreateAsync(portals, provider, bound: false);
        var current = (await world.IssueAsync(await world.SubmitAndVerifyAsync())).Issued.ShouldNotBeNull();
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var outcome = await world.SubmitAsync(world.Request(key: next, renews: current.CertificateId, proofBy: world.Key));

        outcome.Refusal.ShouldBeNull();
        var renewed = outcome.Issuance.ShouldNotBeNull().Issued.ShouldNotBeNull();
        var request = await world.Data.DbAsync(db => db.CertificateRequests.AsNoTracking().SingleAsync(r => r.Id == outcome.Recorded!.Id));
        request.Kind.ShouldBe(RequestKind.Subsequent);
        request.RenewsCertificateId.ShouldBe(current.CertificateId);
        request.Status.ShouldBe(RequestStatus.Issued);
        request.DecidedBy.ShouldBe(world.Holder.UserName); // nobody at a branch
        var der = await world.Data.DbAsync(db => db.Certificates.Where(c => c.Id == renewed.CertificateId).Select(c => c.Der).SingleAsync());
        using var parsed = X509CertificateLoader.LoadCertificate(der);
        parsed.PublicKey.ExportSubjectPublicKeyInfo().ShouldBe(next.ExportSubjectPublicKeyInfo());
        parsed.Subject.ShouldContain("SERIALNUMBER=IDCCZ-123456789"); // the person keeps their identifier
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Hostile_renewals_are_refused(DatabaseProvider provider)
    {
        var world = await World.CreateAsync(portals, provider, bound: false);
        var current = (await world.IssueAsync(await world.SubmitAndVerifyAsync())).Issued.ShouldNotBeNull();
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        // Signed by a key that is not the renewed certificate's; and no proof at all.
        (await world.SubmitAsync(world.Request(key: next, renews: current.CertificateId, proofBy: stranger))).Refusal.ShouldBe(DeviceRequestRefusal.RenewalProofInvalid);
        (await world.SubmitAsync(world.Request(key: next, renews: current.CertificateId, proofBy: null))).Refusal.ShouldBe(DeviceRequestRefusal.RenewalProofInvalid);

        // Someone else's certificate.
        var other = await World.CreateAsync(portals, provider, bound: false);
        var theirs = (await other.IssueAsync(await other.SubmitAndVerifyAsync())).Issued.ShouldNotBeNull();
        (await world.SubmitAsync(world.Request(key: next, renews: theirs.CertificateId, proofBy: world.Key))).Refusal.ShouldBe(DeviceRequestRefusal.RenewedCertificateNotValid);

        // The binding cancelled: the next certificate needs a branch again.
        await world.Data.DbAsync(async db =>
        {
            var binding = await db.DeviceBindings.SingleAsync(b => b.DeviceId == world.Device.Id && b.CancelledAtUtc == null);
            binding.CancelledAtUtc = DateTime.UtcNow;
            binding.CancelledBy = "test";
            return await db.SaveChangesAsync();
        });
        (await world.SubmitAsync(world.Request(key: next, renews: current.CertificateId, proofBy: world.Key))).Refusal.ShouldBe(DeviceRequestRefusal.DeviceNotBound);

        // A revoked certificate is not renewed.
        await world.Data.DbAsync(async db =>
        {
            var certificate = await db.Certificates.SingleAsync(c => c.Id == current.CertificateId);
            certificate.Status = CertificateStatus.Revoked;
            db.DeviceBindings.Add(new DeviceBinding { DeviceId = world.Device.Id, ApplicantId = world.Applicant.Id, CreatedAtUtc = DateTime.UtcNow, CreatedBy = "test" });
            return await db.SaveChangesAsync();
        });
        (await world.SubmitAsync(world.Request(key: next, renews: current.CertificateId, proofBy: world.Key))).Refusal.ShouldBe(DeviceRequestRefusal.RenewedCertificateNotValid);

        (await world.Data.DbAsync(db => db.Certificates.CountAsync(c => c.ApplicantId == world.Applicant.Id))).ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Prepared_data_are_sent_under_their_number_by_their_holder_only(DatabaseProvider provider)
    {
        var world = await World.CreateAsync(portals, provider, bound: false);
        var prepared = await world.PrepareAsync(world.Applicant);
        var listed = await world.Data.AsAsync<RequestService, IReadOnlyList<PreparedRequest>>(world.Holder, s => s.PreparedForHolderAsync(CertificateType.Qualified));
        listed.ShouldHaveSingleItem().RequestNumber.ShouldBe(prepared.RequestNumber);

        // Its printable summary: for the holder, not for another holder (refused and audited).
        (await world.Data.AsAsync<RequestService, RequestListItem>(world.Holder, s => s.GetAsync(prepared.Id))).Request.RequestNumber.ShouldBe(prepared.RequestNumber);
        var stranger = await world.Data.AccountAsync(PortalRoles.Holder, null, await world.Data.ApplicantAsync(null, "Eva"));
        await Should.ThrowAsync<Infrastructure.AccessRefusedException>(() => world.Data.AsAsync<RequestService, RequestListItem>(stranger, s => s.GetAsync(prepared.Id)));
        (await world.Data.AuditAsync()).ShouldContain(a => a.Action == AuditActions.AccessRefused && a.Actor == stranger.UserName && a.Subject == AuditSubjects.Request(prepared.Id));

        var someoneElses = await world.PrepareAsync(await world.Data.ApplicantAsync(world.Organisation, "Eva"));
        (await world.SubmitAsync(world.Request() with { PreparedRequestId = someoneElses.Id })).Refusal.ShouldBe(DeviceRequestRefusal.PreparedRequestNotAvailable);

        var outcome = await world.SubmitAsync(world.Request() with { PreparedRequestId = prepared.Id });

        outcome.Recorded.ShouldNotBeNull().RequestNumber.ShouldBe(prepared.RequestNumber);
        var row = await world.Data.DbAsync(db => db.CertificateRequests.AsNoTracking().SingleAsync(r => r.Id == prepared.Id));
        row.Status.ShouldBe(RequestStatus.Submitted);
        row.Csr.ShouldNotBeNull();
        row.ValidityMonths.ShouldBe(24);
        (await world.Data.DbAsync(db => db.CertificateRequests.CountAsync(r => r.ApplicantId == world.Applicant.Id))).ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Blocking_an_applicant_withdraws_their_open_requests(DatabaseProvider provider)
    {
        var world = await World.CreateAsync(portals, provider, bound: false);
        var prepared = await world.PrepareAsync(world.Applicant);
        var submitted = (await world.SubmitAsync(world.Request())).Recorded.ShouldNotBeNull();
        var representative = await world.Data.AccountAsync(PortalRoles.CompanyRepresentative, world.Organisation);

        (await world.Data.AsAsync<ApplicantService, Infrastructure.Outcome>(representative, s => s.BlockAsync(world.Applicant.Id, "odešel z firmy"))).Succeeded.ShouldBeTrue();

        var rows = await world.Data.DbAsync(db => db.CertificateRequests.AsNoTracking().Where(r => r.ApplicantId == world.Applicant.Id).ToListAsync());
        rows.ShouldAllBe(r => r.Status == RequestStatus.Withdrawn);
        rows.Select(r => r.Id).ShouldBe([prepared.Id, submitted.Id], ignoreOrder: true);
        (await world.Data.AuditAsync()).Count(a => a.Action == AuditActions.RequestWithdrawn && a.Actor == representative.UserName
            && (a.Subject == AuditSubjects.Request(prepared.Id) || a.Subject == AuditSubjects.Request(submitted.Id))).ShouldBe(2);
        (await world.IssueAsync(submitted.Id)).Refusal.ShouldBe(IssuanceRefusal.NotReady);
    }

    /// <summary>An organisation's applicant with a holder account and a registered device, an RA operator, and a key made "on the device".</summary>
    private sealed class World
    {
        private readonly PortalServer _server;
        private readonly RSA _serviceKey = RSA.Create(2048);

        private World(PortalServer server, TestData data)
        {
            _server = server;
            Data = data;
        }

        public TestData Data { get; }

        public Organisation Organisation { get; private set; } = default!;

        public Applicant Applicant { get; private set; } = default!;

        public TestAccount Holder { get; private set; } = default!;

        public TestAccount Operator { get; private set; } = default!;

        public SecureDevice Device { get; private set; } = default!;

        public ECDsa Key { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public string KeyIdHex { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

        public static async Task<World> CreateAsync(BothProviders portals, DatabaseProvider provider, bool bound)
        {
            var world = new World(portals[provider], portals.Data(provider));
            var data = world.Data;
            world.Organisation = await data.OrganisationAsync();
            world.Applicant = await data.ApplicantAsync(world.Organisation, "Jana", "Nováková");
            world.Holder = await data.AccountAsync(PortalRoles.Holder, world.Organisation, world.Applicant);
            world.Operator = await data.AccountAsync(PortalRoles.RaOperator);
            world.Device = await data.DeviceAsync(bound ? world.Applicant : null);
            await data.DbAsync(async db =>
            {
                var row = await db.SecureDevices.SingleAsync(d => d.Id == world.Device.Id);
                row.ServiceKeyPublicKey = world._serviceKey.ExportSubjectPublicKeyInfo();
                return await db.SaveChangesAsync();
            });
            return world;
        }

        /// <summary>What the page hands over after the agent made a request: attested by the service key, for a renewal also signed by <paramref name="proofBy"/>.</summary>
        public DeviceRequest Request(ECDsa? key = null, long? renews = null, ECDsa? proofBy = null)
        {
            var nonce = RandomNumberGenerator.GetBytes(32);
            var csr = new Pkcs10("CN=Jana Nováková, C=CZ", key ?? Key, HashAlgorithmName.SHA256).CreateSigningRequest();
            var statement = new AttestationStatement(SHA256.HashData(csr), nonce, Device.SerialNumber, DateTimeOffset.UtcNow).Encode();
            var attestation = new ServiceKeyAttestation(statement, _serviceKey.SignData(statement, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "RSA-PKCS1-SHA256");
            var proof = proofBy is null ? null : new RenewalProof(proofBy.SignData(statement, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), RenewalProof.EcdsaSha256);
            var keyId = key is null ? KeyIdHex : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            return new DeviceRequest(new KeyRequestCreated(csr, attestation, keyId, "p11#" + keyId, Device.SerialNumber, proof), nonce, DateTimeOffset.UtcNow, AreaKind.Qualified,
                RenewsCertificateId: renews);
        }

        public Task<DeviceRequestOutcome> SubmitAsync(DeviceRequest request) =>
            Data.AsAsync<DeviceRequestSubmission, DeviceRequestOutcome>(Holder, s => s.SubmitAsync(request));

        /// <summary>What the RA records after seeing the applicant's identity card.</summary>
        public Task<int> VerifyAsync(long requestId) => Data.DbAsync(async db =>
        {
            var request = await db.CertificateRequests.SingleAsync(r => r.Id == requestId);
            request.Status = RequestStatus.Verified;
            request.SubjectSerialNumber = "IDCCZ-123456789";
            return await db.SaveChangesAsync();
        });

        public async Task<long> SubmitAndVerifyAsync()
        {
            var requestId = (await SubmitAsync(Request())).Recorded.ShouldNotBeNull().Id;
            await VerifyAsync(requestId);
            return requestId;
        }

        public async Task<RequestIssuanceOutcome> IssueAsync(long requestId)
        {
            await using var scope = await Data.AsAsync(Operator);
            var actor = await scope.ServiceProvider.GetRequiredService<CurrentActor>().RequireAsync();
            return await scope.ServiceProvider.GetRequiredService<RequestIssuance>().IssueAsync(requestId, actor);
        }

        public Task<IReadOnlyDictionary<string, byte[]>> CaCertificatesAsync() =>
            _server.App.Services.GetRequiredService<ICertificateAuthority>().GetCaCertificatesAsync();

        public Task<Portal.Data.CertificateRequest> PrepareAsync(Applicant applicant) => Data.DbAsync(async db =>
        {
            var request = new Portal.Data.CertificateRequest
            {
                RequestNumber = RequestNumbers.New(CertificateType.Qualified),
                Type = CertificateType.Qualified,
                Kind = RequestKind.Initial,
                Status = RequestStatus.Prepared,
                ApplicantId = applicant.Id,
                SubjectName = applicant.DisplayName,
                Email = applicant.Email,
                ValidityMonths = 24,
                CreatedAtUtc = DateTime.UtcNow,
                CreatedBy = "zastupce",
            };
            db.CertificateRequests.Add(request);
            await db.SaveChangesAsync();
            return request;
        });

        /// <summary>The device as the agent reports it: one qualified area holding <paramref name="certificate"/> (or nothing).</summary>
        public DeviceSnapshot Snapshot(byte[]? certificate = null)
        {
            var certificates = new List<CertificateView>();
            if (certificate is not null)
            {
                using var parsed = X509CertificateLoader.LoadCertificate(certificate);
                certificates.Add(new CertificateView(KeyIdHex, "cert", parsed.Subject, parsed.Issuer, parsed.SerialNumber, parsed.NotBefore, parsed.NotAfter, true, true,
                    Convert.ToHexString(SHA256.HashData(certificate)), true));
            }

            var pin = new PinStatus(Shared.Devices.PinKind.QPin, PinState.Ok, false);
            var area = new AreaSnapshot(AreaKind.Qualified, "1", "JanaNovakova", "eToken", pin, pin with { Kind = Shared.Devices.PinKind.QPuk }, 6, 16, false, null, true, certificates, []);
            return new DeviceSnapshot("device-1", "etoken-5110-cc", "eToken 5110 CC", "SafeNet", Device.SerialNumber, "/lib/p11.so", [area]);
        }
    }
}

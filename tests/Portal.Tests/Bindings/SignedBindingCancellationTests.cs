using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Bindings;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Revocation;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Bindings;

/// <summary>
/// A holder cancels their own person–device binding with a request signed on the token. The signature is made here as
/// the agent makes it (detached CMS, SHA-256, signing time, the certificate included) with keys whose certificates the
/// portal's own CA issued; the agent's side of signing is tested in the agent's tests and in the browser.
/// </summary>
public sealed class SignedBindingCancellationTests(RevocationPortals portals) : IClassFixture<RevocationPortals>
{
    public static TheoryData<DatabaseProvider> Providers() => RevocationPortals.Providers();

    /// <summary>A holder, their bound device and a certificate from the portal's CA on it, with the private key kept here.</summary>
    private sealed record Holder(Applicant Applicant, SecureDevice Device, TestAccount Account, CertifiedKey Qualified);

    private static Task<CertifiedKey> IssueAsync(TestData data, IServiceProvider services, Applicant applicant, SecureDevice? device, CertificateType type = CertificateType.Qualified) =>
        CertifiedKeys.IssueAsync(data, services, applicant, device, type);

    private async Task<Holder> HolderAsync(DatabaseProvider provider, string name)
    {
        var data = portals.Data(provider);
        var applicant = await data.ApplicantAsync(null, name);
        var device = await data.DeviceAsync(applicant);
        var qualified = await IssueAsync(data, portals.Server(provider).App.Services, applicant, device);
        return new Holder(applicant, device, await data.AccountAsync(PortalRoles.Holder, applicant: applicant), qualified);
    }

    /// <summary>What the agent's SignDocument returns, made with <paramref name="signer"/> over <paramref name="document"/>.</summary>
    private static DocumentSigned Sign(X509Certificate2 signer, byte[] document, DateTimeOffset? signingTime = null)
    {
        var cms = new SignedCms(new ContentInfo(document), detached: true);
        var cmsSigner = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, signer) { DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"), IncludeOption = X509IncludeOption.EndCertOnly };
        cmsSigner.SignedAttributes.Add(new Pkcs9SigningTime((signingTime ?? DateTimeOffset.UtcNow).UtcDateTime));
        cms.ComputeSignature(cmsSigner);
        return new DocumentSigned(cms.Encode(), Convert.ToHexString(SHA256.HashData(signer.RawData)));
    }

    private static Task<Outcome<BindingCancellationDraft>> PrepareAsync(TestData data, TestAccount account, string deviceSerial,
        RevocationReason reason = RevocationReason.AffiliationChanged) =>
        data.AsAsync<SignedBindingCancellation, Outcome<BindingCancellationDraft>>(account, s => s.PrepareAsync(deviceSerial, "Odchod od zaměstnavatele", reason));

    private static Task<Outcome> SubmitAsync(TestData data, TestAccount account, BindingCancellationDraft draft, DocumentSigned signature) =>
        data.AsAsync<SignedBindingCancellation, Outcome>(account, s => s.SubmitAsync(draft, signature));

    private static Task<DeviceBinding> BindingAsync(TestData data, SecureDevice device) =>
        data.DbAsync(db => db.DeviceBindings.AsNoTracking().OrderBy(b => b.Id).LastAsync(b => b.DeviceId == device.Id));

    private static Task<CertificateStatus> StatusAsync(TestData data, long certificateId) =>
        data.DbAsync(db => db.Certificates.Where(c => c.Id == certificateId).Select(c => c.Status).SingleAsync());

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_signed_request_revokes_the_holders_certificates_on_the_device_and_cancels_the_binding_in_one_step(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var holder = await HolderAsync(provider, "Olga");
        var commercial = await IssueAsync(data, portals.Server(provider).App.Services, holder.Applicant, holder.Device, CertificateType.Commercial);
        var elsewhere = await IssueAsync(data, portals.Server(provider).App.Services, holder.Applicant, await data.DeviceAsync(null));
        var publications = portals.Publisher(provider).Calls.Count;

        var prepared = await PrepareAsync(data, holder.Account, holder.Device.SerialNumber, RevocationReason.CessationOfOperation);
        var draft = prepared.Value.ShouldNotBeNull();
        var text = draft.Text;
        text.ShouldStartWith("QTSP-DOCUMENT/1 binding-cancellation\n");
        text.ShouldContain(holder.Device.SerialNumber);
        text.ShouldContain(holder.Applicant.Email);
        text.ShouldContain(holder.Qualified.Record.SerialNumber);
        text.ShouldContain(commercial.Record.SerialNumber);
        text.ShouldNotContain(elsewhere.Record.SerialNumber, customMessage: "only the certificates on this device are revoked with it");
        text.ShouldContain(draft.Reference);

        var signature = Sign(holder.Qualified.WithKey, draft.Document);
        var outcome = await SubmitAsync(data, holder.Account, draft, signature);

        outcome.Succeeded.ShouldBeTrue(outcome.MessageKey);
        var binding = await BindingAsync(data, holder.Device);
        binding.CancelledAtUtc.ShouldNotBeNull();
        binding.CancelledBy.ShouldBe(holder.Account.UserName);
        binding.CancellationReason.ShouldBe("Odchod od zaměstnavatele");
        binding.CancellationDocument.ShouldBe(text);
        binding.CancellationSignature.ShouldBe(signature.Cms);
        var revoked = await data.DbAsync(db => db.Certificates.AsNoTracking().Where(c => c.ApplicantId == holder.Applicant.Id).ToListAsync());
        revoked.Single(c => c.Id == holder.Qualified.Record.Id).RevocationReason.ShouldBe(RevocationReason.CessationOfOperation);
        revoked.Where(c => c.DeviceId == holder.Device.Id).ShouldAllBe(c => c.Status == CertificateStatus.Revoked);
        revoked.Single(c => c.Id == elsewhere.Record.Id).Status.ShouldBe(CertificateStatus.Issued);
        var trail = (await data.AuditAsync()).Where(a => a.Subject == AuditSubjects.Applicant(holder.Applicant.Id)).ToList();
        trail.Select(a => a.Action).ShouldBe([AuditActions.CertificateRevoked, AuditActions.CertificateRevoked, AuditActions.BindingCancelled]);
        trail.ShouldAllBe(a => a.Actor == holder.Account.UserName);
        trail[^1].Details!.ShouldContain(RevocationRecord.ViaSignedRequest);
        trail[^1].Details!.ShouldContain(draft.Reference);
        (await data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Recipient == holder.Applicant.Email))).ShouldBe(3, "two revocations and the cancellation");
        portals.Publisher(provider).Calls.Skip(publications).ShouldAllBe(c => c.Committed, "the CA publishes after the commit");
        portals.Publisher(provider).Calls.Count.ShouldBeGreaterThan(publications);

        // The device is free for its next holder; the same signed request changes nothing a second time (its signer is revoked now).
        (await SubmitAsync(data, holder.Account, draft, signature)).MessageKey.ShouldBe(SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.SignerNotValid));
        (await PrepareAsync(data, holder.Account, holder.Device.SerialNumber)).MessageKey.ShouldBe(SignedBindingCancellation.NotBound);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_stored_request_verifies_with_openssl_cms_against_the_CA_chain(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var holder = await HolderAsync(provider, "Petra");
        var draft = (await PrepareAsync(data, holder.Account, holder.Device.SerialNumber)).Value!;
        (await SubmitAsync(data, holder.Account, draft, Sign(holder.Qualified.WithKey, draft.Document))).Succeeded.ShouldBeTrue();
        var binding = await BindingAsync(data, holder.Device);

        var cas = await portals.Server(provider).App.Services.GetRequiredService<ICertificateAuthority>().GetCaCertificatesAsync();
        var work = RepositoryPaths.NewTemporaryDirectory("binding-cms");
        try
        {
            // The CA bundle a relying party has: the root and the issuing CA (the CMS carries only the signer's certificate).
            await File.WriteAllTextAsync(Path.Combine(work, "cas.pem"), OpensslJudge.Pem(cas[CaNames.Root]) + OpensslJudge.Pem(cas[CaNames.Qualified]));
            await File.WriteAllBytesAsync(Path.Combine(work, "request.txt"), Encoding.UTF8.GetBytes(binding.CancellationDocument!));
            await File.WriteAllBytesAsync(Path.Combine(work, "request.p7s"), binding.CancellationSignature!);
            var verified = await ProcessRunner.RunAsync("openssl",
                ["cms", "-verify", "-binary", "-inform", "DER", "-in", "request.p7s", "-content", "request.txt", "-CAfile", "cas.pem", "-purpose", "any", "-out", "/dev/null"],
                workingDirectory: work);
            verified.ExitCode.ShouldBe(0, verified.Error);
            verified.Error.ShouldContain("Verification successful");

            await File.WriteAllBytesAsync(Path.Combine(work, "changed.txt"), Encoding.UTF8.GetBytes(binding.CancellationDocument!.Replace(holder.Device.SerialNumber, "OTHER-DEVICE", StringComparison.Ordinal)));
            var changed = await ProcessRunner.RunAsync("openssl",
                ["cms", "-verify", "-binary", "-inform", "DER", "-in", "request.p7s", "-content", "changed.txt", "-CAfile", "cas.pem", "-purpose", "any", "-out", "/dev/null"],
                workingDirectory: work);
            changed.ExitCode.ShouldNotBe(0, "openssl must reject the signature over another text");
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(work);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Signatures_that_do_not_prove_the_holder_asked_change_nothing(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var services = portals.Server(provider).App.Services;
        var holder = await HolderAsync(provider, "Tereza");
        var stranger = await HolderAsync(provider, "Cizí");
        var revokedSigner = await IssueAsync(data, services, holder.Applicant, null);
        await data.DbAsync(db => db.Certificates.Where(c => c.Id == revokedSigner.Record.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CertificateStatus.Revoked)));
        using var foreignKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var foreign = new System.Security.Cryptography.X509Certificates.CertificateRequest(holder.Qualified.WithKey.SubjectName, foreignKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        // On record for the holder, but not issued by this CA (an import): the chain decides.
        var imported = Certificate.FromIssued(foreign, CertificateType.Qualified);
        imported.ApplicantId = holder.Applicant.Id;
        await data.DbAsync(db =>
        {
            db.Certificates.Add(imported);
            return db.SaveChangesAsync();
        });
        using var unregisteredKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var unregistered = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Tereza", unregisteredKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var draft = (await PrepareAsync(data, holder.Account, holder.Device.SerialNumber)).Value!;
        var earlier = (await PrepareAsync(data, holder.Account, holder.Device.SerialNumber)).Value!;
        var tampered = Encoding.UTF8.GetBytes(draft.Text.Replace(holder.Device.SerialNumber, stranger.Device.SerialNumber, StringComparison.Ordinal));
        var attempts = new (string Case, BindingCancellationDraft Draft, DocumentSigned Signature, string Expected)[]
        {
            ("another text signed", draft, Sign(holder.Qualified.WithKey, tampered), SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.SignatureInvalid)),
            ("an earlier request replayed", draft, Sign(holder.Qualified.WithKey, earlier.Document), SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.SignatureInvalid)),
            ("someone else's certificate", draft, Sign(stranger.Qualified.WithKey, draft.Document), SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.NotTheHolders)),
            ("a revoked certificate", draft, Sign(revokedSigner.WithKey, draft.Document), SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.SignerNotValid)),
            ("a certificate on record but from another CA", draft, Sign(foreign, draft.Document), SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.ChainInvalid)),
            ("a certificate the CA never issued", draft, Sign(unregistered, draft.Document), SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.UnknownSigner)),
            ("a signing time from yesterday", draft, Sign(holder.Qualified.WithKey, draft.Document, DateTimeOffset.UtcNow.AddDays(-1)), SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.SigningTimeOutOfRange)),
            ("not CMS at all", draft, new DocumentSigned([0x30, 0x03, 0x02, 0x01, 0x00], "00"), SignedBindingCancellation.RefusalKey(SignedDocumentRefusal.Malformed)),
            ("a draft left too long", draft with { PreparedAt = draft.PreparedAt - SignedBindingCancellation.DraftLifetime - TimeSpan.FromMinutes(1) },
                Sign(holder.Qualified.WithKey, draft.Document), SignedBindingCancellation.Expired),
        };

        foreach (var attempt in attempts)
        {
            (await SubmitAsync(data, holder.Account, attempt.Draft, attempt.Signature)).MessageKey.ShouldBe(attempt.Expected, attempt.Case);
        }

        // The stranger cannot submit the holder's request, signed or not, nor prepare one for a device bound to someone else.
        await Should.ThrowAsync<AccessRefusedException>(() => SubmitAsync(data, stranger.Account, draft, Sign(stranger.Qualified.WithKey, draft.Document)));
        (await PrepareAsync(data, stranger.Account, holder.Device.SerialNumber)).MessageKey.ShouldBe(SignedBindingCancellation.NotBound);
        // Nor does the holder's session alone cancel the binding through the representatives' form.
        await Should.ThrowAsync<AccessRefusedException>(() => data.AsAsync<BindingService, Outcome>(holder.Account, s => s.CancelAsync(draft.BindingId, "bez podpisu")));

        (await BindingAsync(data, holder.Device)).CancelledAtUtc.ShouldBeNull();
        (await StatusAsync(data, holder.Qualified.Record.Id)).ShouldBe(CertificateStatus.Issued);
        var refusals = (await data.AuditAsync()).Where(a => a.Action == AuditActions.BindingCancellationRefused && a.Subject == AuditSubjects.Binding(draft.BindingId)).ToList();
        refusals.Count.ShouldBe(attempts.Length);
        refusals.ShouldAllBe(a => a.Actor == holder.Account.UserName);

        // After all that, the holder's own signature still works.
        (await SubmitAsync(data, holder.Account, draft, Sign(holder.Qualified.WithKey, draft.Document))).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_certificate_issued_into_the_device_after_the_request_was_prepared_stops_it(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var holder = await HolderAsync(provider, "Věra");
        var draft = (await PrepareAsync(data, holder.Account, holder.Device.SerialNumber)).Value!;
        var later = await IssueAsync(data, portals.Server(provider).App.Services, holder.Applicant, holder.Device, CertificateType.Commercial);

        var outcome = await SubmitAsync(data, holder.Account, draft, Sign(holder.Qualified.WithKey, draft.Document));

        outcome.MessageKey.ShouldBe(SignedBindingCancellation.CertificatesChanged);
        (await BindingAsync(data, holder.Device)).CancelledAtUtc.ShouldBeNull();
        (await StatusAsync(data, holder.Qualified.Record.Id)).ShouldBe(CertificateStatus.Issued);
        (await StatusAsync(data, later.Record.Id)).ShouldBe(CertificateStatus.Issued);
    }

    [Fact]
    public async Task The_request_needs_a_reason_and_a_reason_a_holder_may_give()
    {
        var data = portals.Data(DatabaseProvider.Sqlite);
        var holder = await HolderAsync(DatabaseProvider.Sqlite, "Zora");

        var empty = await data.AsAsync<SignedBindingCancellation, Outcome<BindingCancellationDraft>>(holder.Account, s => s.PrepareAsync(holder.Device.SerialNumber, "  ", RevocationReason.Superseded));
        var markup = await data.AsAsync<SignedBindingCancellation, Outcome<BindingCancellationDraft>>(holder.Account, s => s.PrepareAsync(holder.Device.SerialNumber, "<b>x</b>", RevocationReason.Superseded));
        var casReason = await data.AsAsync<SignedBindingCancellation, Outcome<BindingCancellationDraft>>(holder.Account, s => s.PrepareAsync(holder.Device.SerialNumber, "Odchod", RevocationReason.PrivilegeWithdrawn));

        empty.Errors.ShouldContain(e => e.Field == SignedBindingCancellation.ReasonField);
        markup.Errors.ShouldContain(e => e.Field == SignedBindingCancellation.ReasonField);
        casReason.Errors.ShouldContain(e => e.Field == RevocationService.ReasonField);
        empty.Value.ShouldBeNull();
    }
}

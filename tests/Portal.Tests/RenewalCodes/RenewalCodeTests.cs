using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.RenewalCodes;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Data;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.RenewalCodes;

/// <summary>
/// Renewal codes through the portal's services on a real portal (embedded CA in SoftHSM2, both databases): batches made
/// by staff with only keyed hashes stored, the holder's application signed with the current certificate, the code spent
/// with the issuance exactly once, wrong codes throttled, and the cloud medium signing a file openssl accepts.
/// </summary>
public sealed class RenewalCodeTests(BothProviders portals) : IClassFixture<BothProviders>
{
    public static TheoryData<DatabaseProvider> Providers() => BothProviders.Providers();

    private Task<RenewalCodeWorld> WorldAsync(DatabaseProvider provider, string name = "Jana") => RenewalCodeWorld.CreateAsync(portals[provider], portals.Data(provider), name);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Only_staff_make_batches_and_only_keyed_hashes_of_the_codes_are_stored(DatabaseProvider provider)
    {
        var world = await WorldAsync(provider);
        var codes = await world.BatchAsync(count: 5);

        codes.Count.ShouldBe(5);
        var rows = await world.Data.DbAsync(db => db.RenewalCodes.AsNoTracking().Include(c => c.Batch).OrderByDescending(c => c.Id).Take(5).ToListAsync());
        rows.ShouldAllBe(r => r.CodeHash.Length == RenewalCode.HashLength && r.RedeemedAtUtc == null);
        foreach (var code in codes)
        {
            var canonical = RenewalCodeFormat.Normalise(code)!;
            // Not a plain digest anybody could compute from a guess: the key is outside the database.
            var plain = Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(canonical)));
            var keyed = Convert.ToHexString(world.Server.App.Services.GetRequiredService<RenewalCodeHasher>().Hash(canonical));
            var stored = rows.Select(r => Convert.ToHexString(r.CodeHash)).ToList();
            stored.ShouldNotContain(plain);
            stored.ShouldContain(keyed);
        }

        // No code in any text the database holds: audit details, batch rows.
        var audit = await world.Data.AuditAsync();
        audit.ShouldContain(a => a.Action == AuditActions.RenewalCodeBatchCreated && a.Actor == world.Staff.UserName);
        var texts = audit.Select(a => a.Details ?? "").Concat(rows.Select(r => r.Batch.Reference)).ToList();
        foreach (var code in codes)
        {
            texts.ShouldNotContain(t => t.Contains(code, StringComparison.Ordinal) || t.Contains(RenewalCodeFormat.Normalise(code)!, StringComparison.Ordinal));
        }

        if (provider == DatabaseProvider.Sqlite)
        {
            // The database file itself (and its write-ahead log): grep for every code.
            SqliteConnection.ClearAllPools();
            var bytes = new[] { world.Server.DatabasePath, world.Server.DatabasePath + "-wal" }.Where(File.Exists)
                .SelectMany(path => { using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite); using var copy = new MemoryStream(); stream.CopyTo(copy); return copy.ToArray(); })
                .ToArray();
            bytes.Length.ShouldBeGreaterThan(0);
            var content = Encoding.Latin1.GetString(bytes);
            content.ShouldContain(rows[0].Batch.Reference, customMessage: "the scan reads the data it should");
            foreach (var code in codes)
            {
                content.ShouldNotContain(RenewalCodeFormat.Normalise(code)!);
                content.ShouldNotContain(code);
            }
        }

        // Holders, representatives and staff in a support session do not make codes.
        var representative = await world.Data.AccountAsync(PortalRoles.CompanyRepresentative, await world.Data.OrganisationAsync());
        foreach (var account in new[] { world.Holder, representative })
        {
            await Should.ThrowAsync<AccessRefusedException>(() => world.AsAsync<RenewalCodeBatches, Outcome<CreatedRenewalCodeBatch>>(account,
                s => s.CreateAsync(new NewRenewalCodeBatch { ExpiresOn = DateTime.UtcNow.AddDays(5) })));
        }

        // Nonsense is refused field by field.
        var invalid = await world.AsAsync<RenewalCodeBatches, Outcome<CreatedRenewalCodeBatch>>(world.Staff, s => s.CreateAsync(new NewRenewalCodeBatch
        {
            TermMonths = 18, Count = 0, ExpiresOn = DateTime.UtcNow.AddDays(-2), Medium = KeyMedium.Cloud, Product = CertificateType.Commercial,
        }));
        invalid.Errors.Select(e => e.Field).ShouldBe([RenewalCodeBatches.TermField, RenewalCodeBatches.ProductField, RenewalCodeBatches.CountField, RenewalCodeBatches.ExpiresField],
            ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_card_code_renews_from_the_end_of_the_current_certificate_and_is_spent_once(DatabaseProvider provider)
    {
        var world = await WorldAsync(provider);
        var code = (await world.BatchAsync(term: 24))[0];

        // Typed in lower case with spaces: the same code.
        var offer = (await world.CheckAsync(code.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal))).Value.ShouldNotBeNull();
        offer.TermMonths.ShouldBe(24);
        offer.Medium.ShouldBe(KeyMedium.Card);
        var candidates = await world.AsAsync<RenewalCodeRedemption, IReadOnlyList<RenewableCertificate>>(world.Holder, s => s.CertificatesAsync(offer));
        candidates.ShouldHaveSingleItem().Id.ShouldBe(world.Current.Id);

        var draft = (await world.PrepareAsync(offer)).Value.ShouldNotBeNull();
        draft.Text.ShouldStartWith("QTSP-DOCUMENT/1 renewal-application\n");
        draft.Text.ShouldContain(world.Current.SerialNumber);
        draft.Text.ShouldContain(world.Applicant.Email);
        draft.Text.ShouldContain(offer.BatchReference);
        draft.Text.ShouldNotContain(RenewalCodeFormat.Normalise(code)!);
        draft.NotBeforeUtc.ShouldBe(world.Current.NotAfterUtc);
        var signature = RenewalCodeWorld.Sign(world.CurrentWithKey, draft.Document);
        var application = (await world.SubmitSignatureAsync(draft, signature)).Value.ShouldNotBeNull();
        (await world.AsAsync<RenewalCodeRedemption, Outcome>(world.Holder, s => s.ConfirmContactAsync(application.Id, "nova@example.cz", "+420 777 000 111"))).Succeeded.ShouldBeTrue();
        (await world.AsAsync<RenewalCodeRedemption, Outcome>(world.Holder, s => s.ConfirmContactAsync(application.Id, "not an address", null))).Errors
            .ShouldContain(e => e.Field == RenewalCodeRedemption.EmailField);

        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var outcome = await world.SubmitCardAsync(world.CardRequest(next, application.Id));

        outcome.Refusal.ShouldBeNull();
        var issued = outcome.Issuance.ShouldNotBeNull().Issued.ShouldNotBeNull();
        var certificate = await world.Data.DbAsync(db => db.Certificates.AsNoTracking().SingleAsync(c => c.Id == issued.CertificateId));
        certificate.NotBeforeUtc.ShouldBe(world.Current.NotAfterUtc, "from the end of the current certificate");
        using var parsed = X509CertificateLoader.LoadCertificate(certificate.Der);
        parsed.NotAfter.ToUniversalTime().ShouldBe(new DateTimeOffset(world.Current.NotAfterUtc, TimeSpan.Zero).AddMonths(24).UtcDateTime);
        parsed.PublicKey.ExportSubjectPublicKeyInfo().ShouldBe(next.ExportSubjectPublicKeyInfo());
        var request = await world.Data.DbAsync(db => db.CertificateRequests.AsNoTracking().SingleAsync(r => r.Id == outcome.Recorded!.Id));
        request.Email.ShouldBe("nova@example.cz");
        request.ValidityMonths.ShouldBe(24);
        var spent = await world.Data.DbAsync(db => db.RenewalCodes.AsNoTracking().SingleAsync(c => c.Id == offer.CodeId));
        spent.RedeemedAtUtc.ShouldNotBeNull();
        spent.RedeemedBy.ShouldBe(world.Holder.UserName);
        spent.CertificateId.ShouldBe(issued.CertificateId);
        var stored = await world.Data.DbAsync(db => db.RenewalApplications.AsNoTracking().SingleAsync(a => a.Id == application.Id));
        stored.CertificateId.ShouldBe(issued.CertificateId);
        stored.Document.ShouldBe(draft.Text);
        stored.Signature.ShouldBe(signature.Cms);
        var audit = await world.Data.AuditAsync();
        audit.ShouldContain(a => a.Action == AuditActions.RenewalApplicationSigned && a.Actor == world.Holder.UserName && a.SourceAddress == world.Address);
        audit.ShouldContain(a => a.Action == AuditActions.RenewalCodeRedeemed && a.Actor == world.Holder.UserName && a.SourceAddress == world.Address
            && a.Details!.Contains(offer.BatchReference));

        // Used: not again, neither by its text nor by the application already paid.
        (await world.CheckAsync(code)).MessageKey.ShouldBe(RenewalCodeRedemption.RefusalKey(RenewalCodeRefusal.AlreadyUsed));
        using var again = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        (await world.SubmitCardAsync(world.CardRequest(again, application.Id))).Refusal.ShouldBe(DeviceRequestRefusal.RenewalApplicationNotUsable);
        (await world.PrepareAsync(offer)).MessageKey.ShouldBe(RenewalCodeRedemption.NotUsable);

        // The stored application verifies with openssl against the CA chain.
        var cas = await world.Server.App.Services.GetRequiredService<ICertificateAuthority>().GetCaCertificatesAsync();
        (await OpensslCmsVerifyAsync(cas, Encoding.UTF8.GetBytes(stored.Document), stored.Signature)).ShouldBe(0);
        (await OpensslCmsVerifyAsync(cas, Encoding.UTF8.GetBytes(stored.Document + "x"), stored.Signature)).ShouldNotBe(0);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Applications_not_signed_by_the_certificate_renewed_change_nothing(DatabaseProvider provider)
    {
        var world = await WorldAsync(provider, "Olga");
        var stranger = await RenewalCodeWorld.CreateAsync(world.Server, world.Data, "Cizí", world.Staff);
        var code = (await world.BatchAsync())[0];
        var offer = (await world.CheckAsync(code)).Value.ShouldNotBeNull();

        // Someone else's certificate cannot be picked.
        (await world.PrepareAsync(offer, certificateId: stranger.Current.Id)).MessageKey.ShouldBe(RenewalCodeRedemption.CertificateNotRenewable);

        // A second certificate of the holder (not the one renewed), on record and valid.
        var other = await RenewalCodeWorld.CreateAsync(world.Server, world.Data, "Olga2", world.Staff);
        await world.Data.DbAsync(db => db.Certificates.Where(c => c.Id == other.Current.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.ApplicantId, world.Applicant.Id)));

        var draft = (await world.PrepareAsync(offer)).Value.ShouldNotBeNull();
        var earlier = (await world.PrepareAsync(offer, RenewalStart.Now)).Value.ShouldNotBeNull();
        var attempts = new (string Case, RenewalApplicationDraft Draft, Qtsp.Shared.Bridge.DocumentSigned Signature, string Expected)[]
        {
            ("another holder's certificate", draft, RenewalCodeWorld.Sign(stranger.CurrentWithKey, draft.Document),
                RenewalCodeRedemption.SignatureRefusalKey(SignedDocumentRefusal.NotTheHolders)),
            ("another text", draft, RenewalCodeWorld.Sign(world.CurrentWithKey, earlier.Document), RenewalCodeRedemption.SignatureRefusalKey(SignedDocumentRefusal.SignatureInvalid)),
            ("the holder's other certificate", draft, RenewalCodeWorld.Sign(other.CurrentWithKey, draft.Document), RenewalCodeRedemption.SignerNotRenewed),
            ("a draft left too long", draft with { PreparedAt = draft.PreparedAt - RenewalCodeRedemption.DraftLifetime - TimeSpan.FromMinutes(1) },
                RenewalCodeWorld.Sign(world.CurrentWithKey, draft.Document), RenewalCodeRedemption.DraftExpired),
        };
        foreach (var attempt in attempts)
        {
            (await world.SubmitSignatureAsync(attempt.Draft, attempt.Signature)).MessageKey.ShouldBe(attempt.Expected, attempt.Case);
        }

        // The stranger cannot submit the holder's draft, even signed by the holder.
        await Should.ThrowAsync<AccessRefusedException>(() => world.SubmitSignatureAsync(draft, RenewalCodeWorld.Sign(world.CurrentWithKey, draft.Document), stranger.Holder));
        // Nor use the holder's signed application for their own request.
        var application = (await world.SubmitSignatureAsync(draft, RenewalCodeWorld.Sign(world.CurrentWithKey, draft.Document))).Value.ShouldNotBeNull();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        (await stranger.SubmitCardAsync(stranger.CardRequest(key, application.Id))).Refusal.ShouldBe(DeviceRequestRefusal.RenewalApplicationNotUsable);

        (await world.Data.DbAsync(db => db.RenewalApplications.CountAsync(a => a.RenewalCodeId == offer.CodeId))).ShouldBe(1);
        (await world.Data.DbAsync(db => db.RenewalCodes.SingleAsync(c => c.Id == offer.CodeId))).RedeemedAtUtc.ShouldBeNull();
        (await world.Data.AuditAsync()).Count(a => a.Action == AuditActions.RenewalApplicationRefused && a.Actor == world.Holder.UserName).ShouldBe(attempts.Length);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Wrong_expired_and_foreign_codes_are_refused_and_many_wrong_codes_lock_out(DatabaseProvider provider)
    {
        var world = await WorldAsync(provider);
        var expiredBatch = await world.BatchAsync(count: 1, expiresOn: DateTime.UtcNow.AddDays(1));
        await world.Data.DbAsync(db => db.RenewalCodeBatches.Where(b => b.CreatedBy == world.Staff.UserName)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.ExpiresAtUtc, DateTime.UtcNow.AddMinutes(-1))));
        var good = (await world.BatchAsync(count: 1)).Single();

        (await world.CheckAsync(expiredBatch[0])).MessageKey.ShouldBe(RenewalCodeRedemption.RefusalKey(RenewalCodeRefusal.Expired));
        (await world.CheckAsync("not a code")).MessageKey.ShouldBe(RenewalCodeRedemption.RefusalKey(RenewalCodeRefusal.Unknown));
        // A code of the right form that nobody made: the same answer.
        (await world.CheckAsync(RenewalCodeFormat.New())).MessageKey.ShouldBe(RenewalCodeRedemption.RefusalKey(RenewalCodeRefusal.Unknown));
        // Staff and representatives do not redeem (the holder does, outside a support session).
        await Should.ThrowAsync<AccessRefusedException>(() => world.CheckAsync(good, world.Staff));

        // A guesser from one address: after the allowance every try is refused, the right code too.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await world.CheckAsync(RenewalCodeFormat.New());
        }

        (await world.CheckAsync(good)).MessageKey.ShouldBe(RenewalCodeRedemption.RefusalKey(RenewalCodeRefusal.Throttled));
        // The same account from another address is still held back (per account) …
        world.Address = "198.51.100.7";
        (await world.CheckAsync(good)).MessageKey.ShouldBe(RenewalCodeRedemption.RefusalKey(RenewalCodeRefusal.Throttled));
        // … while another holder elsewhere is not.
        var other = await RenewalCodeWorld.CreateAsync(world.Server, world.Data, "Jiná", world.Staff);
        (await other.CheckAsync(good)).Value.ShouldNotBeNull();

        var refusals = (await world.Data.AuditAsync()).Where(a => a.Action == AuditActions.RenewalCodeRefused && a.Actor == world.Holder.UserName).ToList();
        refusals.Count.ShouldBe(3 + 20 + 2);
        refusals.Count(a => a.Details!.Contains(nameof(RenewalCodeRefusal.Throttled))).ShouldBeGreaterThanOrEqualTo(20 - 10 + 2);
        refusals.ShouldAllBe(a => a.SourceAddress != null);
        refusals.ShouldAllBe(a => !a.Details!.Contains(RenewalCodeFormat.Normalise(good)!));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Of_two_redemptions_of_one_code_exactly_one_issues_and_a_refused_issuance_burns_nothing(DatabaseProvider provider)
    {
        var first = await WorldAsync(provider, "Petra");
        var second = await RenewalCodeWorld.CreateAsync(first.Server, first.Data, "Pavla", first.Staff);
        var code = (await first.BatchAsync(count: 1)).Single();

        // A refused issuance first: the CA would have to certify beyond its own validity.
        await first.Data.DbAsync(db => db.Certificates.Where(c => c.Id == first.Current.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.NotAfterUtc, DateTime.UtcNow.AddYears(9))));
        var doomed = await first.SignedApplicationAsync(code);
        using var doomedKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var refused = await first.SubmitCardAsync(first.CardRequest(doomedKey, doomed.Id));
        refused.Issuance.ShouldNotBeNull().Refusal.ShouldBe(IssuanceRefusal.CaRefused);
        var afterRefusal = await first.Data.DbAsync(db => db.RenewalCodes.AsNoTracking().SingleAsync(c => c.Id == doomed.Offer.CodeId));
        afterRefusal.RedeemedAtUtc.ShouldBeNull("a failed issuance does not burn the code");
        afterRefusal.ApplicationId.ShouldBeNull();
        await first.Data.DbAsync(db => db.Certificates.Where(c => c.Id == first.Current.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.NotAfterUtc, first.Current.NotAfterUtc)));

        // Both holders got hold of the code; both sign; both devices send their requests at the same moment.
        var a = await first.SignedApplicationAsync(code, RenewalStart.Now);
        var b = await second.SignedApplicationAsync(code, RenewalStart.Now);
        using var keyA = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var keyB = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var outcomes = await Task.WhenAll(first.SubmitCardAsync(first.CardRequest(keyA, a.Id)), second.SubmitCardAsync(second.CardRequest(keyB, b.Id)));

        outcomes.Count(o => o.Issuance?.Issued is not null).ShouldBe(1);
        outcomes.Count(o => o.Issuance?.Refusal == IssuanceRefusal.RenewalCodeNotUsable || o.Refusal == DeviceRequestRefusal.RenewalApplicationNotUsable).ShouldBe(1);
        var winner = outcomes.Single(o => o.Issuance?.Issued is not null).Issuance!.Issued!;
        var codeRow = await first.Data.DbAsync(db => db.RenewalCodes.AsNoTracking().SingleAsync(c => c.Id == a.Offer.CodeId));
        codeRow.CertificateId.ShouldBe(winner.CertificateId);
        (await first.Data.DbAsync(db => db.RenewalApplications.CountAsync(x => x.RenewalCodeId == a.Offer.CodeId && x.CertificateId != null))).ShouldBe(1);
        (await first.Data.AuditAsync()).Count(x => x.Action == AuditActions.RenewalCodeRedeemed && x.Details!.Contains($"\"code\":{a.Offer.CodeId},")).ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_cloud_code_makes_a_key_in_the_HSM_that_signs_a_file_openssl_verifies_once_per_fresh_code(DatabaseProvider provider)
    {
        var world = await WorldAsync(provider, "Marta");
        var code = (await world.BatchAsync(KeyMedium.Cloud, term: 12, count: 1)).Single();
        var application = await world.SignedApplicationAsync(code, RenewalStart.Now);
        application.Offer.Medium.ShouldBe(KeyMedium.Cloud);

        // A cloud application is not redeemed on a card.
        using var cardKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        (await world.SubmitCardAsync(world.CardRequest(cardKey, application.Id))).Refusal.ShouldBe(DeviceRequestRefusal.RenewalApplicationNotUsable);

        var issued = (await world.AsAsync<CloudRenewal, Outcome<RenewalIssued>>(world.Holder, s => s.IssueAsync(application.Id))).Value.ShouldNotBeNull();
        var cloudKeyId = issued.CloudKeyId.ShouldNotBeNull();
        (await world.AsAsync<CloudRenewal, Outcome<RenewalIssued>>(world.Holder, s => s.IssueAsync(application.Id))).MessageKey.ShouldBe(RenewalCodeRedemption.NotUsable);
        var key = await world.Data.DbAsync(db => db.CloudKeys.AsNoTracking().SingleAsync(k => k.Id == cloudKeyId));
        key.ApplicantId.ShouldBe(world.Applicant.Id);
        key.CertificateId.ShouldBe(issued.CertificateId);
        var certificate = await world.Data.DbAsync(db => db.Certificates.AsNoTracking().SingleAsync(c => c.Id == issued.CertificateId));
        certificate.DeviceId.ShouldBeNull();
        (await world.Data.DbAsync(db => db.RenewalCodes.SingleAsync(c => c.Id == application.Offer.CodeId))).CertificateId.ShouldBe(issued.CertificateId);

        // Signing needs the holder's authenticator, and each code signs once.
        var content = Encoding.UTF8.GetBytes("Smlouva o dílo č. 42\n");
        (await SignFileAsync(world, cloudKeyId, content, "123456")).MessageKey.ShouldBe(CloudSigning.EnrolFirst);
        var authenticator = await world.EnrolAuthenticatorAsync();
        (await SignFileAsync(world, cloudKeyId, content, "000000")).MessageKey.ShouldBe(CloudSigning.CodeWrong);
        var fresh = await Totp.UnusedCodeAsync(authenticator);
        var signed = (await SignFileAsync(world, cloudKeyId, content, fresh)).Value.ShouldNotBeNull();
        (await SignFileAsync(world, cloudKeyId, content, fresh)).MessageKey.ShouldBe(CloudSigning.CodeWrong, "a code replayed signs nothing");

        var cms = new SignedCms(new ContentInfo(content), detached: true);
        cms.Decode(signed.Cms);
        cms.CheckSignature(verifySignatureOnly: true);
        cms.SignerInfos[0].Certificate!.RawData.ShouldBe(certificate.Der);
        var cas = await world.Server.App.Services.GetRequiredService<ICertificateAuthority>().GetCaCertificatesAsync();
        (await OpensslCmsVerifyAsync(cas, content, signed.Cms)).ShouldBe(0);
        (await OpensslCmsVerifyAsync(cas, Encoding.UTF8.GetBytes("Smlouva o dílo č. 43\n"), signed.Cms)).ShouldNotBe(0);

        // Another holder cannot use the key, with their own fresh code or not.
        var stranger = await RenewalCodeWorld.CreateAsync(world.Server, world.Data, "Cizí", world.Staff);
        var strangerKey = await stranger.EnrolAuthenticatorAsync();
        await Should.ThrowAsync<AccessRefusedException>(async () =>
            await stranger.AsAsync<CloudSigning, Outcome<CloudSignature>>(stranger.Holder, s => s.SignAsync(cloudKeyId, content, "a.txt", Totp.Code(strangerKey))));
        var audit = await world.Data.AuditAsync();
        audit.Count(a => a.Action == AuditActions.CloudSignatureMade && a.Actor == world.Holder.UserName).ShouldBe(1);
        audit.Count(a => a.Action == AuditActions.CloudSignatureRefused && a.Actor == world.Holder.UserName).ShouldBe(2);
        audit.ShouldContain(a => a.Action == AuditActions.CloudKeyGenerated && a.Actor == world.Holder.UserName);
    }

    private static Task<Outcome<CloudSignature>> SignFileAsync(RenewalCodeWorld world, long cloudKeyId, byte[] content, string code) =>
        world.AsAsync<CloudSigning, Outcome<CloudSignature>>(world.Holder, s => s.SignAsync(cloudKeyId, content, "smlouva.txt", code));

    private static async Task<int> OpensslCmsVerifyAsync(IReadOnlyDictionary<string, byte[]> cas, byte[] content, byte[] cms)
    {
        var work = RepositoryPaths.NewTemporaryDirectory("renewal-cms");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work, "cas.pem"), OpensslJudge.Pem(cas[CaNames.Root]) + OpensslJudge.Pem(cas[CaNames.Qualified]));
            await File.WriteAllBytesAsync(Path.Combine(work, "content.bin"), content);
            await File.WriteAllBytesAsync(Path.Combine(work, "signature.p7s"), cms);
            var verified = await ProcessRunner.RunAsync("openssl",
                ["cms", "-verify", "-binary", "-inform", "DER", "-in", "signature.p7s", "-content", "content.bin", "-CAfile", "cas.pem", "-purpose", "any", "-out", "/dev/null"],
                workingDirectory: work);
            return verified.ExitCode;
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(work);
        }
    }
}

using Qtsp.Portal.Ca;

namespace Qtsp.Portal.Tests.Ca;

/// <summary>What the CA will not sign, whatever the caller claims.</summary>
[Collection(CaOnSoftHsm.Name)]
public sealed class RefusalTests(IssuingCaFixture ca) : IClassFixture<IssuingCaFixture>
{
    [Fact]
    public async Task A_pkcs12_import_is_never_qualified()
    {
        var result = await ca.Authority.IssueAsync(IssuanceRequests.Qualified(SubjectKeys.EcP256(), keyOnQscd: false, fromPkcs12: true));
        result.ShouldBe(new IssuanceRefused(IssuanceRefusalReason.QualifiedFromPkcs12Import));
    }

    [Fact]
    public async Task A_pkcs12_import_is_never_on_a_qscd_or_secure_device()
    {
        var onQscd = IssuanceRequests.Commercial(SubjectKeys.EcP256(), keyOnSecureDevice: false, fromPkcs12: true) with
        {
            Facts = new VerifiedKeyFacts(KeyOnQscd: true, KeyOnSecureDevice: false, FromPkcs12Import: true),
        };
        (await ca.Authority.IssueAsync(onQscd)).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.DeviceClaimForPkcs12Import));
        (await ca.Authority.IssueAsync(IssuanceRequests.Commercial(SubjectKeys.EcP256(), keyOnSecureDevice: true, fromPkcs12: true)))
            .ShouldBe(new IssuanceRefused(IssuanceRefusalReason.DeviceClaimForPkcs12Import));
    }

    [Fact]
    public async Task A_pkcs12_import_may_have_a_commercial_certificate_under_NCP()
    {
        var result = await ca.Authority.IssueAsync(IssuanceRequests.Commercial(SubjectKeys.EcP256(), keyOnSecureDevice: false, fromPkcs12: true));
        result.ShouldBeOfType<IssuedCertificate>().CaName.ShouldBe(CaNames.Commercial);
    }

    [Fact]
    public async Task Hostile_an_rsa_1024_csr_is_refused()
    {
        var key = await SubjectKeys.FromOpensslCsrAsync("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024");
        (await ca.Authority.IssueAsync(IssuanceRequests.Commercial(key))).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.WeakRsaKey));
        (await ca.Authority.IssueAsync(IssuanceRequests.Qualified(key))).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.WeakRsaKey));
    }

    [Fact]
    public async Task Hostile_a_p192_csr_is_refused()
    {
        var key = await SubjectKeys.FromOpensslCsrAsync("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-192");
        (await ca.Authority.IssueAsync(IssuanceRequests.Qualified(key))).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.UnsupportedCurve));
    }

    [Fact]
    public async Task Hostile_a_brainpool_key_and_explicit_curve_parameters_are_refused()
    {
        var brainpool = ProfileTests.EcPublicKeyOn("1.3.36.3.3.2.8.1.1.7", 65);
        (await ca.Authority.IssueAsync(IssuanceRequests.Commercial(brainpool))).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.UnsupportedCurve));
        var explicitCurve = await SubjectKeys.FromOpensslCsrAsync("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:explicit");
        (await ca.Authority.IssueAsync(IssuanceRequests.Commercial(explicitCurve))).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.UnsupportedCurve));
    }

    [Fact]
    public async Task Hostile_garbage_and_an_ed25519_key_are_refused()
    {
        (await ca.Authority.IssueAsync(IssuanceRequests.Commercial([0x30, 0x03, 0x02, 0x01, 0x01]))).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.MalformedPublicKey));
        var ed25519 = await SubjectKeys.FromOpensslCsrAsync("-algorithm", "ED25519");
        (await ca.Authority.IssueAsync(IssuanceRequests.Commercial(ed25519))).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.UnsupportedKeyAlgorithm));
    }

    [Fact]
    public async Task A_qualified_subject_needs_a_semantic_serial_number()
    {
        var request = IssuanceRequests.Qualified(SubjectKeys.EcP256()) with { Subject = IssuanceRequests.JanNovak with { SerialNumber = "8001011234" } };
        (await ca.Authority.IssueAsync(request)).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.InvalidSubject));
    }

    [Fact]
    public async Task Validity_may_start_in_the_future_but_not_in_the_past_nor_end_before_it_starts()
    {
        var renewal = IssuanceRequests.Qualified(SubjectKeys.EcP256()) with
        {
            NotBefore = DateTimeOffset.UtcNow.AddDays(30),
            NotAfter = DateTimeOffset.UtcNow.AddDays(30).AddYears(1),
        };
        (await ca.Authority.IssueAsync(renewal)).ShouldBeOfType<IssuedCertificate>();

        var backdated = renewal with { NotBefore = DateTimeOffset.UtcNow.AddDays(-1) };
        (await ca.Authority.IssueAsync(backdated)).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.InvalidValidity));
        var reversed = renewal with { NotAfter = renewal.NotBefore.AddSeconds(-1) };
        (await ca.Authority.IssueAsync(reversed)).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.InvalidValidity));
        var tooLong = renewal with { NotAfter = renewal.NotBefore.AddYears(5) };
        (await ca.Authority.IssueAsync(tooLong)).ShouldBe(new IssuanceRefused(IssuanceRefusalReason.InvalidValidity));
    }
}

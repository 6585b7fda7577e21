using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Shared.Bridge;

namespace Qtsp.Shared.Tests.Bridge;

/// <summary>The renewal proof as the portal checks it: the renewed certificate's key over exactly the attestation statement.</summary>
public sealed class RenewalProofTests
{
    private static readonly byte[] Statement = new AttestationStatement(SHA256.HashData([1, 2, 3]), RandomNumberGenerator.GetBytes(32), "5110CC0000000001", DateTimeOffset.UtcNow).Encode();

    [Fact]
    public void An_rsa_pkcs1_sha256_signature_by_the_certified_key_verifies_and_nothing_else_does()
    {
        using var key = RSA.Create(2048);
        using var certificate = SelfSigned(key);
        var signature = key.SignData(Statement, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        new RenewalProof(signature, "RSA-PKCS1-SHA256").Verify(Statement, certificate).ShouldBeTrue();

        new RenewalProof(signature, "ECDSA-SHA256").Verify(Statement, certificate).ShouldBeFalse("the algorithm must name the key's kind");
        new RenewalProof(signature, "RSA-PKCS1-SHA384").Verify(Statement, certificate).ShouldBeFalse("SHA-256 only");
        new RenewalProof(key.SignData(Statement, HashAlgorithmName.SHA256, RSASignaturePadding.Pss), "RSA-PKCS1-SHA256").Verify(Statement, certificate).ShouldBeFalse("PSS is not PKCS#1 v1.5");
        new RenewalProof(key.SignData(Statement, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1), "RSA-PKCS1-SHA256").Verify(Statement, certificate).ShouldBeFalse();
        new RenewalProof(signature, "RSA-PKCS1-SHA256").Verify([.. Statement, 0], certificate).ShouldBeFalse("exactly the statement's bytes");
    }

    [Fact]
    public void An_ecdsa_sha256_der_signature_by_the_certified_key_verifies_and_the_raw_form_does_not()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var certificate = SelfSigned(key);
        var der = key.SignData(Statement, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var raw = key.SignData(Statement, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        new RenewalProof(der, "ECDSA-SHA256").Verify(Statement, certificate).ShouldBeTrue();

        new RenewalProof(raw, "ECDSA-SHA256").Verify(Statement, certificate).ShouldBeFalse("signatures are DER, as the service key's");
        new RenewalProof(der, "RSA-PKCS1-SHA256").Verify(Statement, certificate).ShouldBeFalse();
        new RenewalProof(key.SignData(Statement, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence), "ECDSA-SHA384").Verify(Statement, certificate).ShouldBeFalse("SHA-256 only");
    }

    [Fact]
    public void A_proof_does_not_verify_with_another_certificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        using var otherCertificate = SelfSigned(other);
        using var rsaCertificate = SelfSigned(rsa);
        var proof = new RenewalProof(key.SignData(Statement, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), "ECDSA-SHA256");

        proof.Verify(Statement, otherCertificate).ShouldBeFalse();
        proof.Verify(Statement, rsaCertificate).ShouldBeFalse();
    }

    [Fact]
    public void Garbage_is_false_not_an_exception()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = SelfSigned(key);
        using var rsa = RSA.Create(2048);
        using var rsaCertificate = SelfSigned(rsa);

        new RenewalProof([], "ECDSA-SHA256").Verify(Statement, certificate).ShouldBeFalse();
        new RenewalProof([0x30, 0x03, 0x02, 0x01], "ECDSA-SHA256").Verify(Statement, certificate).ShouldBeFalse();
        new RenewalProof(new byte[7], "RSA-PKCS1-SHA256").Verify(Statement, rsaCertificate).ShouldBeFalse();
        new RenewalProof(new byte[64], "ECDSA-SHA256").Verify([], certificate).ShouldBeFalse();
    }

    private static X509Certificate2 SelfSigned(RSA key) =>
        new CertificateRequest("CN=Jan Novák", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

    private static X509Certificate2 SelfSigned(ECDsa key) =>
        new CertificateRequest("CN=Jan Novák", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
}

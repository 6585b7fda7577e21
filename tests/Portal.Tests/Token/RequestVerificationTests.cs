using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Portal.Features.Token;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Tests.Token;

/// <summary>What the portal accepts from the page: a request signed by its own key, vouched for by the registered service key.</summary>
public sealed class RequestVerificationTests
{
    private const string Serial = "5110CC0000000001";
    private static readonly byte[] Nonce = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void A_request_vouched_for_by_the_registered_service_key_is_verified()
    {
        using var serviceKey = RSA.Create(2048);
        var created = Made(serviceKey, Nonce, Serial);

        var (signatureValid, subject, attestation) = RequestVerification.Verify(created, Nonce, PublicKeyOf(serviceKey));

        (signatureValid, attestation).ShouldBe((true, AttestationCheck.Verified));
        subject.ShouldBe("CN=Jan Novák");
    }

    [Fact]
    public void Without_a_registered_key_the_attestation_is_unverifiable_not_verified()
    {
        using var serviceKey = RSA.Create(2048);

        RequestVerification.Verify(Made(serviceKey, Nonce, Serial), Nonce, registeredServiceKey: null).Attestation.ShouldBe(AttestationCheck.Unverifiable);
    }

    [Fact]
    public void Another_service_key_another_nonce_or_another_serial_is_invalid()
    {
        using var serviceKey = RSA.Create(2048);
        using var impostor = RSA.Create(2048);

        RequestVerification.Verify(Made(impostor, Nonce, Serial), Nonce, PublicKeyOf(serviceKey)).Attestation.ShouldBe(AttestationCheck.Invalid);
        RequestVerification.Verify(Made(serviceKey, RandomNumberGenerator.GetBytes(32), Serial), Nonce, PublicKeyOf(serviceKey)).Attestation.ShouldBe(AttestationCheck.Invalid);
        RequestVerification.Verify(Made(serviceKey, Nonce, "0000000000000000"), Nonce, PublicKeyOf(serviceKey)).Attestation.ShouldBe(AttestationCheck.Invalid);
    }

    [Fact]
    public void A_request_whose_signature_does_not_match_its_key_is_refused()
    {
        using var serviceKey = RSA.Create(2048);
        var created = Made(serviceKey, Nonce, Serial);
        var tampered = created.Request.ToArray();
        tampered[^10] ^= 0x01; // inside the signature

        var (signatureValid, _, attestation) = RequestVerification.Verify(created with { Request = tampered }, Nonce, PublicKeyOf(serviceKey));

        (signatureValid, attestation).ShouldBe((false, AttestationCheck.Invalid));
    }

    private static KeyRequestCreated Made(RSA serviceKey, byte[] nonce, string serial)
    {
        using var holderKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=Jan Novák", holderKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();
        var statement = new AttestationStatement(SHA256.HashData(request), nonce, serial, DateTimeOffset.UtcNow).Encode();
        var signature = serviceKey.SignData(statement, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return new KeyRequestCreated(request, new ServiceKeyAttestation(statement, signature, "RSA-PKCS1-SHA256"), "01", "p11#01", Serial);
    }

    private static PublicKey PublicKeyOf(RSA key) => PublicKey.CreateFromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
}

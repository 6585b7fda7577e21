using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;
using static Qtsp.Agent.Tests.TokenCare.TokenCareRig;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>
/// Renewal requests through the real hub on a fresh demo device: the renewed certificate's key signs the service key's
/// attestation statement, judged by <see cref="RenewalProof.Verify"/> and by openssl; hostile ids are refused and leave
/// no key behind (pkcs11-tool --list-objects).
/// </summary>
public sealed class RenewalTests
{
    private const string ServiceKeyId = "5345525649434B4559";
    private const string WrongQPin = "918273";

    private static readonly byte[] Nonce = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public async Task A_qualified_renewal_carries_a_proof_by_the_renewed_rsa_key_that_openssl_verifies_with_its_certificate()
    {
        await using var rig = await StartAsync();

        var result = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Qualified(rig) with { Nonce = Nonce, RenewedKeyIdHex = "01" });

        result.Error.ShouldBeNull();
        var created = result.Value.ShouldNotBeNull();
        var proof = created.Renewal.ShouldNotBeNull();
        proof.SignatureAlgorithm.ShouldBe("RSA-PKCS1-SHA256");
        var renewed = await CertificateOnDeviceAsync(rig, DemoDevice.QualifiedLabel, "01");
        using (var certificate = X509CertificateLoader.LoadCertificate(renewed))
        {
            proof.Verify(created.Attestation.Statement, certificate).ShouldBeTrue();
        }

        (await OpenSsl.VerifySignatureAsync(await OpenSsl.PublicKeyOfCertificateAsync(renewed), created.Attestation.Statement, proof.Signature)).ShouldBeTrue("openssl dgst -sha256 -verify with the renewed certificate's key");
        var serviceKey = (await RequestTests.ServiceKeyAsync(rig)).Info;
        AttestationStatement.Verify(created.Attestation, serviceKey, created.Request, Nonce, rig.Device.Serial).ShouldBeTrue("the statement the renewed key signed is the service key's attestation");
        AttestationStatement.Verify(created.Attestation, serviceKey, created.Request, RandomNumberGenerator.GetBytes(32), rig.Device.Serial).ShouldBeFalse("bound to the portal's nonce");
        var statement = AttestationStatement.Decode(created.Attestation.Statement);
        statement.RequestSha256.ShouldBe(SHA256.HashData(created.Request), "the proof covers the statement about the new request");

        // (d) another certificate, or other bytes, do not verify
        using var stranger = RSA.Create(2048);
        using var strangerCertificate = new CertificateRequest($"CN={DemoDevice.Holder}", stranger, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        proof.Verify(created.Attestation.Statement, strangerCertificate).ShouldBeFalse();
        (await OpenSsl.VerifySignatureAsync(await OpenSsl.PublicKeyOfCertificateAsync(strangerCertificate.RawData), created.Attestation.Statement, proof.Signature)).ShouldBeFalse();
        using (var certificate = X509CertificateLoader.LoadCertificate(renewed))
        {
            proof.Verify(created.Request, certificate).ShouldBeFalse("the statement is what is signed, not the request");
        }

        var stages = new List<OperationStage>();
        while (rig.Stages.Reader.TryRead(out var stage))
        {
            stages.Add(stage);
        }

        stages.ShouldBe([OperationStage.CheckingCapacity, OperationStage.GeneratingKey, OperationStage.SigningRequest, OperationStage.Attesting, OperationStage.Finished]);
        (await rig.AreaAsync(AreaKind.Qualified)).UserPin.State.ShouldBe(PinState.Ok, "the context-specific logins with the right QPIN spent no try");
    }

    [Fact]
    public async Task A_standard_renewal_of_an_ec_key_verifies_with_openssl_and_not_with_another_certificate()
    {
        await using var rig = await StartAsync();
        var first = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig, KeyAlgorithm.EcP256))).Value.ShouldNotBeNull();
        first.Renewal.ShouldBeNull("no renewal asked, no proof");
        var issued = await DemoCa.IssueAsync(rig.Device, first.Request, qualified: false);
        (await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.InstallCertificate, new CertificateInstall(rig.DeviceId, AreaKind.Standard, issued, Codes(DemoDevice.Pin), false))).Error.ShouldBeNull();

        var result = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig, KeyAlgorithm.EcP384) with { Nonce = Nonce, RenewedKeyIdHex = first.KeyIdHex.ToLowerInvariant() });

        result.Error.ShouldBeNull();
        var created = result.Value.ShouldNotBeNull();
        created.KeyIdHex.ShouldNotBe(first.KeyIdHex);
        var proof = created.Renewal.ShouldNotBeNull();
        proof.SignatureAlgorithm.ShouldBe("ECDSA-SHA256");
        var renewed = await CertificateOnDeviceAsync(rig, DemoDevice.StandardLabel, first.KeyIdHex);
        renewed.ShouldBe(issued);
        using var certificate = X509CertificateLoader.LoadCertificate(renewed);
        proof.Verify(created.Attestation.Statement, certificate).ShouldBeTrue();
        (await OpenSsl.VerifySignatureAsync(await OpenSsl.PublicKeyOfCertificateAsync(renewed), created.Attestation.Statement, proof.Signature)).ShouldBeTrue("openssl accepts the DER ECDSA signature");
        AttestationStatement.Verify(created.Attestation, (await RequestTests.ServiceKeyAsync(rig)).Info, created.Request, Nonce, rig.Device.Serial).ShouldBeTrue();

        // (d) the qualified certificate on the same device is another certificate
        var qualified = await CertificateOnDeviceAsync(rig, DemoDevice.QualifiedLabel, "01");
        using var other = X509CertificateLoader.LoadCertificate(qualified);
        proof.Verify(created.Attestation.Statement, other).ShouldBeFalse();
        (await OpenSsl.VerifySignatureAsync(await OpenSsl.PublicKeyOfCertificateAsync(qualified), created.Attestation.Statement, proof.Signature)).ShouldBeFalse();
    }

    [Fact]
    public async Task Ids_of_a_key_without_certificate_an_unknown_key_malformed_hex_and_the_service_key_are_refused_and_leave_no_key()
    {
        await using var rig = await StartAsync();
        var pending = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig))).Value.ShouldNotBeNull();
        var standardBefore = await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin);
        var qualifiedBefore = await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin);

        async Task<AgentError?> Renew(KeyRequestCommand command, string? id) =>
            (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, command with { RenewedKeyIdHex = id })).Error;

        (await Renew(RequestTests.Standard(rig), pending.KeyIdHex)).ShouldBe(new AgentError(AgentErrorCode.RenewedKeyNotFound), "a key waiting for its certificate has nothing to renew");
        (await Renew(RequestTests.Standard(rig), "DEADBEEF")).ShouldBe(new AgentError(AgentErrorCode.RenewedKeyNotFound));
        (await Renew(RequestTests.Qualified(rig), "02")).ShouldBe(new AgentError(AgentErrorCode.RenewedKeyNotFound));
        (await Renew(RequestTests.Standard(rig), "01")).ShouldBe(new AgentError(AgentErrorCode.RenewedKeyNotFound), "the qualified key is not in the standard area");
        (await Renew(RequestTests.Qualified(rig), pending.KeyIdHex)).ShouldBe(new AgentError(AgentErrorCode.RenewedKeyNotFound), "the standard key is not in the qualified area");
        (await Renew(RequestTests.Standard(rig), ServiceKeyId)).ShouldBe(new AgentError(AgentErrorCode.KeyNotAllowed));
        (await Renew(RequestTests.Standard(rig), ServiceKeyId.ToLowerInvariant())).ShouldBe(new AgentError(AgentErrorCode.KeyNotAllowed));
        foreach (var malformed in new[] { "", "zz", "0", "0x01", " 01", "01\n", "01 02", "０１", new string('a', 258) })
        {
            (await Renew(RequestTests.Qualified(rig), malformed)).ShouldBe(new AgentError(AgentErrorCode.InvalidInput), $"'{malformed}'");
        }

        // A certificate for the service key's public key, written next to it behind the agent's back, makes it no renewable key.
        var forged = Path.Combine(RepositoryPaths.NewTemporaryDirectory("forged"), "forged.der");
        await File.WriteAllBytesAsync(forged, await SelfSignedForAsync(rig.Device.ServiceKeyPublicKey));
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--write-object", forged, "--type", "cert", "--id", ServiceKeyId)).ExitCode.ShouldBe(0);
        (await Renew(RequestTests.Standard(rig), ServiceKeyId)).ShouldBe(new AgentError(AgentErrorCode.KeyNotAllowed));

        // A certificate for another key put under the pending key's id is not that key's certificate.
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreign = Path.Combine(RepositoryPaths.NewTemporaryDirectory("foreign"), "foreign.der");
        await File.WriteAllBytesAsync(foreign, new CertificateRequest($"CN={DemoDevice.Holder}", stranger, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)).RawData);
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--write-object", foreign, "--type", "cert", "--id", pending.KeyIdHex)).ExitCode.ShouldBe(0);
        (await Renew(RequestTests.Standard(rig), pending.KeyIdHex)).ShouldBe(new AgentError(AgentErrorCode.RenewedKeyNotFound));

        var standardAfter = await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin);
        var qualifiedAfter = await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin);
        standardAfter.Where(o => o.Kind.EndsWith("Key", StringComparison.Ordinal)).ShouldBe(standardBefore.Where(o => o.Kind.EndsWith("Key", StringComparison.Ordinal)), ignoreOrder: true, "pkcs11-tool --list-objects: no key was generated or removed");
        qualifiedAfter.ShouldBe(qualifiedBefore, ignoreOrder: true);
        (await rig.AreaAsync(AreaKind.Standard)).UserPin.State.ShouldBe(PinState.Ok);
        (await rig.AreaAsync(AreaKind.Qualified)).UserPin.State.ShouldBe(PinState.Ok);
    }

    [Fact]
    public async Task A_certificate_that_is_not_the_keys_found_only_by_the_signature_check_removes_the_new_key_again()
    {
        await using var rig = await StartAsync();
        var pending = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig))).Value.ShouldNotBeNull();
        // Without its public half the EC private key shows no point: only the signature can tell that the certificate is another key's.
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--delete-object", "--type", "pubkey", "--id", pending.KeyIdHex)).ExitCode.ShouldBe(0);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreign = Path.Combine(RepositoryPaths.NewTemporaryDirectory("foreign"), "foreign.der");
        await File.WriteAllBytesAsync(foreign, new CertificateRequest($"CN={DemoDevice.Holder}", stranger, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)).RawData);
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--write-object", foreign, "--type", "cert", "--id", pending.KeyIdHex)).ExitCode.ShouldBe(0);
        var before = await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin);
        while (rig.Stages.Reader.TryRead(out _))
        {
        }

        var refused = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig) with { RenewedKeyIdHex = pending.KeyIdHex });

        refused.Error.ShouldBe(new AgentError(AgentErrorCode.RenewedKeyNotFound));
        var stages = new List<OperationStage>();
        while (rig.Stages.Reader.TryRead(out var stage))
        {
            stages.Add(stage);
        }

        stages.ShouldContain(OperationStage.GeneratingKey, "the refusal came after the new key existed");
        stages.ShouldNotContain(OperationStage.Finished);
        (await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).ShouldBe(before, ignoreOrder: true, "pkcs11-tool --list-objects: the new key pair was removed");
    }

    [Fact]
    public async Task A_wrong_qpin_refuses_a_qualified_renewal_spends_a_try_and_leaves_no_key()
    {
        await using var rig = await StartAsync();
        var before = await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin);

        var refused = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Qualified(rig) with { RenewedKeyIdHex = "01", QualifiedPin = Codes(WrongQPin) });

        var error = refused.Error.ShouldNotBeNull();
        error.Code.ShouldBe(AgentErrorCode.PinIncorrect);
        error.Pin.ShouldBe(PinKind.QPin);
        (await rig.AreaAsync(AreaKind.Qualified)).UserPin.State.ShouldBe(PinState.CountLow, "the wrong QPIN spent a try on the device");
        (await rig.AreaAsync(AreaKind.Standard)).UserPin.State.ShouldBe(PinState.Ok);
        (await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).ShouldBe(before, ignoreOrder: true);
        await Task.Delay(200);
        rig.Agent.Output.ShouldNotContain(WrongQPin, Case.Sensitive, "no PIN in the agent's log");
    }

    private static async Task<byte[]> CertificateOnDeviceAsync(TokenCareRig rig, string areaLabel, string idHex)
    {
        var path = Path.GetTempFileName();
        try
        {
            (await rig.Device.Pkcs11ToolAsync(areaLabel, "--read-object", "--type", "cert", "--id", idHex, "--output-file", path)).ExitCode.ShouldBe(0);
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A self-signed-looking certificate for someone else's public key, from an unrelated CA (openssl -force_pubkey).</summary>
    private static async Task<byte[]> SelfSignedForAsync(byte[] subjectPublicKeyInfo)
    {
        var work = RepositoryPaths.NewTemporaryDirectory("forged");
        try
        {
            var publicKey = Path.Combine(work, "subject.pub.pem");
            await File.WriteAllTextAsync(publicKey, PemEncoding.WriteString("PUBLIC KEY", subjectPublicKeyInfo));
            await ProcessRunner.RunCheckedAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(work, "ca.key"), "-out", Path.Combine(work, "ca.pem"), "-days", "30", "-subj", "/CN=Another CA"]);
            await ProcessRunner.RunCheckedAsync("openssl", ["x509", "-new", "-subj", "/CN=Mallory", "-force_pubkey", publicKey, "-CA", Path.Combine(work, "ca.pem"), "-CAkey", Path.Combine(work, "ca.key"), "-days", "30", "-outform", "DER", "-out", Path.Combine(work, "forged.der")]);
            return await File.ReadAllBytesAsync(Path.Combine(work, "forged.der"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Agent.Tests.Bridge;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;
using static Qtsp.Agent.Tests.TokenCare.TokenCareRig;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>
/// Documents signed as detached CMS through the real hub on a fresh demo device: openssl cms -verify with the demo CA and
/// .NET's SignedCms judge the result; hostile callers (wrong QPIN, arbitrary bytes, the service key, a key without
/// certificate, a second connection without the PIN) get nothing signed.
/// </summary>
public sealed class DocumentSigningTests
{
    private const string ServiceKeyId = "5345525649434B4559";
    private const string WrongQPin = "918273";

    internal static byte[] Document(string type, string body = "Žádám o obnovení kvalifikovaného certifikátu.\nČíslo žádosti: 2026-0042\n") =>
        Encoding.UTF8.GetBytes($"{DocumentSignature.Header(type)}\n{body}");

    private static DocumentSignature Qualified(TokenCareRig rig, byte[]? document = null, string type = DocumentSignature.RenewalApplication) =>
        new(rig.DeviceId, AreaKind.Qualified, "01", document ?? Document(type), type, Codes(DemoDevice.QPin), false);

    [Fact]
    public async Task A_renewal_application_signed_with_the_qualified_key_and_qpin_verifies_with_openssl_and_dotnet()
    {
        await using var rig = await StartAsync();
        var document = Document(DocumentSignature.RenewalApplication);
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);

        var result = await rig.InvokeAsync<DocumentSigned>(AgentHubContract.SignDocument, Qualified(rig, document));

        result.Error.ShouldBeNull();
        var signed = result.Value.ShouldNotBeNull();
        var deviceCertificate = await CertificateOnDeviceAsync(rig, DemoDevice.QualifiedLabel, "01");
        signed.SignerCertificateSha256.ShouldBe(Convert.ToHexString(SHA256.HashData(deviceCertificate)));
        (await VerifyWithOpenSslAsync(rig, signed.Cms, document)).ShouldBe((true, true), "openssl cms -verify with the demo CA");
        (await VerifyWithOpenSslAsync(rig, signed.Cms, Document(DocumentSignature.RenewalApplication, "Something else.\n"))).Verified.ShouldBeFalse("another document does not verify");

        var cms = new SignedCms(new ContentInfo(document), detached: true);
        cms.Decode(signed.Cms);
        cms.CheckSignature(verifySignatureOnly: true);
        cms.ContentInfo.ContentType.Value.ShouldBe("1.2.840.113549.1.7.1");
        cms.SignerInfos.Count.ShouldBe(1);
        var signer = cms.SignerInfos[0];
        signer.Certificate.ShouldNotBeNull().RawData.ShouldBe(deviceCertificate, "the signer is the device's qualified certificate");
        signer.DigestAlgorithm.Value.ShouldBe("2.16.840.1.101.3.4.2.1");
        signer.SignerIdentifier.Type.ShouldBe(SubjectIdentifierType.IssuerAndSerialNumber);
        var signingTime = signer.SignedAttributes.Cast<CryptographicAttributeObject>().Single(a => a.Oid.Value == "1.2.840.113549.1.9.5").Values[0].ShouldBeOfType<Pkcs9SigningTime>();
        signingTime.SigningTime.ShouldBeInRange(before.UtcDateTime, DateTime.UtcNow.AddSeconds(5));
        signer.SignedAttributes.Cast<CryptographicAttributeObject>().ShouldContain(a => a.Oid.Value == "1.2.840.113549.1.9.3", "the content type is signed");
        cms.Certificates.Count.ShouldBe(1);
        var tampered = new SignedCms(new ContentInfo(Document(DocumentSignature.BindingCancellation)), detached: true);
        tampered.Decode(signed.Cms);
        Should.Throw<CryptographicException>(() => tampered.CheckSignature(verifySignatureOnly: true));

        (await rig.AreaAsync(AreaKind.Qualified)).UserPin.State.ShouldBe(PinState.Ok, "the QPIN and the per-signature login spent no try");
        (await rig.AreaAsync(AreaKind.Qualified)).LoggedIn.ShouldBeFalse("the operation logged out again");

        // Every call needs its QPIN: the same page, right after, without it or with a wrong one, gets nothing.
        var noPin = await rig.InvokeAsync<DocumentSigned>(AgentHubContract.SignDocument, Qualified(rig, document) with { Pin = [] });
        noPin.Error.ShouldBe(new AgentError(AgentErrorCode.InvalidInput));
        noPin.Value.ShouldBeNull();
    }

    [Fact]
    public async Task A_binding_cancellation_signed_with_a_standard_ec_key_verifies_with_openssl()
    {
        await using var rig = await StartAsync();
        var created = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig, KeyAlgorithm.EcP256))).Value.ShouldNotBeNull();
        var issued = await DemoCa.IssueAsync(rig.Device, created.Request, qualified: false);
        (await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.InstallCertificate, new CertificateInstall(rig.DeviceId, AreaKind.Standard, issued, Codes(DemoDevice.Pin), false))).Error.ShouldBeNull();
        var document = Document(DocumentSignature.BindingCancellation, "Rušim vazbu zařízení na účet.\r\n");

        var result = await rig.InvokeAsync<DocumentSigned>(AgentHubContract.SignDocument,
            new DocumentSignature(rig.DeviceId, AreaKind.Standard, created.KeyIdHex.ToLowerInvariant(), document, DocumentSignature.BindingCancellation, Codes(DemoDevice.Pin), false, rig.Device.ServiceKeyPublicKey));

        result.Error.ShouldBeNull();
        var signed = result.Value.ShouldNotBeNull();
        signed.SignerCertificateSha256.ShouldBe(Convert.ToHexString(SHA256.HashData(issued)));
        (await VerifyWithOpenSslAsync(rig, signed.Cms, document)).ShouldBe((true, true), "openssl accepts the DER ECDSA signature");
        var cms = new SignedCms(new ContentInfo(document), detached: true);
        cms.Decode(signed.Cms);
        cms.CheckSignature(verifySignatureOnly: true);
        cms.SignerInfos.Count.ShouldBe(1);
        cms.SignerInfos[0].Certificate.ShouldNotBeNull().RawData.ShouldBe(issued);
        cms.SignerInfos[0].SignatureAlgorithm.Value.ShouldStartWith("1.2.840.10045.", customMessage: "ECDSA");

        // The qualified area's key does not answer for the standard area, nor the standard PIN for the qualified one.
        (await rig.InvokeAsync<DocumentSigned>(AgentHubContract.SignDocument,
            new DocumentSignature(rig.DeviceId, AreaKind.Standard, "01", document, DocumentSignature.BindingCancellation, Codes(DemoDevice.Pin), false))).Error
            .ShouldBe(new AgentError(AgentErrorCode.SigningKeyNotFound));
        (await rig.InvokeAsync<DocumentSigned>(AgentHubContract.SignDocument,
            new DocumentSignature(rig.DeviceId, AreaKind.Qualified, created.KeyIdHex, document, DocumentSignature.BindingCancellation, Codes(DemoDevice.QPin), false))).Error
            .ShouldBe(new AgentError(AgentErrorCode.SigningKeyNotFound));
    }

    [Fact]
    public async Task Arbitrary_bytes_the_service_key_and_keys_without_a_certificate_are_refused()
    {
        await using var rig = await StartAsync();
        var pending = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig))).Value.ShouldNotBeNull();

        async Task<AgentResult<DocumentSigned>> Sign(DocumentSignature command) => await rig.InvokeAsync<DocumentSigned>(AgentHubContract.SignDocument, command);

        var renewal = DocumentSignature.RenewalApplication;
        var malformed = new (string Why, DocumentSignature Command)[]
        {
            ("no header", Qualified(rig, Encoding.UTF8.GetBytes("Please sign this.\n"))),
            ("a challenge-like hash", Qualified(rig, SHA256.HashData(Encoding.UTF8.GetBytes("x")))),
            ("the header with no line end", Qualified(rig, Encoding.UTF8.GetBytes(DocumentSignature.Header(renewal)))),
            ("a type not allowed", Qualified(rig, Document("payment-order"), "payment-order")),
            ("a header of another type", Qualified(rig, Document(DocumentSignature.BindingCancellation), renewal)),
            ("a type in other case", Qualified(rig, Document("Renewal-Application"), "Renewal-Application")),
            ("a BOM before the header", Qualified(rig, [0xEF, 0xBB, 0xBF, .. Document(renewal)])),
            ("leading space", Qualified(rig, [(byte)' ', .. Document(renewal)])),
            ("invalid UTF-8", Qualified(rig, [.. Document(renewal), 0xC3, 0x28])),
            ("a NUL byte", Qualified(rig, [.. Document(renewal), 0x00])),
            ("more than 64 KiB", Qualified(rig, Document(renewal, new string('a', DocumentSignature.MaxDocumentLength)))),
            ("empty", Qualified(rig, [])),
            ("null document", Qualified(rig) with { Document = null! }),
            ("null type", Qualified(rig) with { DocumentType = null! }),
            ("bad hex id", Qualified(rig) with { CertificateIdHex = "0x01" }),
            ("empty id", Qualified(rig) with { CertificateIdHex = "" }),
            ("no PIN", Qualified(rig) with { Pin = [] }),
            ("a registered service key that is no key", Qualified(rig) with { ServiceKeyPublicKey = [1, 2, 3] }),
        };
        foreach (var (why, command) in malformed)
        {
            var refused = await Sign(command);
            refused.Error.ShouldBe(new AgentError(AgentErrorCode.InvalidInput), why);
            refused.Value.ShouldBeNull(why);
        }

        // Exactly 64 KiB is still a document.
        var header = Document(renewal, "");
        (await Sign(Qualified(rig, Document(renewal, new string('a', DocumentSignature.MaxDocumentLength - header.Length))))).Error.ShouldBeNull();

        var standard = (string id, byte[]? registered) => new DocumentSignature(rig.DeviceId, AreaKind.Standard, id, Document(DocumentSignature.BindingCancellation), DocumentSignature.BindingCancellation, Codes(DemoDevice.Pin), false, registered);
        (await Sign(standard(ServiceKeyId, null))).Error.ShouldBe(new AgentError(AgentErrorCode.KeyNotAllowed), "the service key");
        (await Sign(standard(ServiceKeyId.ToLowerInvariant(), rig.Device.ServiceKeyPublicKey))).Error.ShouldBe(new AgentError(AgentErrorCode.KeyNotAllowed));
        (await Sign(standard(pending.KeyIdHex, rig.Device.ServiceKeyPublicKey))).Error.ShouldBe(new AgentError(AgentErrorCode.SigningKeyNotFound), "a key waiting for its certificate");
        (await Sign(standard("DEADBEEF", null))).Error.ShouldBe(new AgentError(AgentErrorCode.SigningKeyNotFound), "no such key");

        // A certificate for the service key's public key, written next to it behind the agent's back, makes it no signing key.
        var forged = Path.Combine(RepositoryPaths.NewTemporaryDirectory("forged"), "forged.der");
        using (var stranger = RSA.Create(2048))
        {
            await File.WriteAllBytesAsync(forged, new CertificateRequest("CN=Mallory", stranger, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)).RawData);
        }

        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--write-object", forged, "--type", "cert", "--id", ServiceKeyId)).ExitCode.ShouldBe(0);
        (await Sign(standard(ServiceKeyId, null))).Error.ShouldBe(new AgentError(AgentErrorCode.KeyNotAllowed));

        // A certificate for another key under the pending key's id is not that key's certificate.
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--write-object", forged, "--type", "cert", "--id", pending.KeyIdHex)).ExitCode.ShouldBe(0);
        (await Sign(standard(pending.KeyIdHex, null))).Error.ShouldBe(new AgentError(AgentErrorCode.SigningKeyNotFound));

        (await rig.AreaAsync(AreaKind.Standard)).UserPin.State.ShouldBe(PinState.Ok);
        (await rig.AreaAsync(AreaKind.Qualified)).UserPin.State.ShouldBe(PinState.Ok, "malformed documents are refused before any PIN is tried");
    }

    [Fact]
    public async Task A_certificate_that_is_expired_or_not_yet_valid_or_not_for_signatures_signs_nothing()
    {
        await using var rig = await StartAsync();
        var caDirectory = Path.Combine(rig.Device.Directory, "ca");
        var created = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig))).Value.ShouldNotBeNull();
        await DemoCa.IssueAsync(rig.Device, created.Request, qualified: false); // makes sure the demo CA exists
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(caDirectory, "ca.pem"), Path.Combine(caDirectory, "ca.key"));
        using var caKey = ca.GetRSAPrivateKey().ShouldNotBeNull();
        var issuer = X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1);
        var request = CertificateRequest.LoadSigningRequest(created.Request, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.SkipSignatureValidation);
        var written = false;

        // Each case puts its certificate next to the key behind the agent's back (pkcs11-tool), in place of the one before.
        async Task<AgentError?> SignWith(DateTimeOffset notBefore, DateTimeOffset notAfter, X509KeyUsageFlags usage)
        {
            request.CertificateExtensions.Clear();
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
            using var certificate = request.Create(ca.SubjectName, issuer, notBefore, notAfter, RandomNumberGenerator.GetBytes(12));
            var path = Path.Combine(RepositoryPaths.NewTemporaryDirectory("issued"), "issued.der");
            await File.WriteAllBytesAsync(path, certificate.RawData);
            if (written)
            {
                (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--delete-object", "--type", "cert", "--id", created.KeyIdHex)).ExitCode.ShouldBe(0);
            }

            (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--write-object", path, "--type", "cert", "--id", created.KeyIdHex)).ExitCode.ShouldBe(0);
            written = true;
            var result = await rig.InvokeAsync<DocumentSigned>(AgentHubContract.SignDocument,
                new DocumentSignature(rig.DeviceId, AreaKind.Standard, created.KeyIdHex, Document(DocumentSignature.BindingCancellation), DocumentSignature.BindingCancellation, Codes(DemoDevice.Pin), false));
            return result.Error;
        }

        var now = DateTimeOffset.UtcNow;
        (await SignWith(now.AddDays(-1), now.AddYears(1), X509KeyUsageFlags.DigitalSignature)).ShouldBeNull("a valid signing certificate signs");
        (await SignWith(now.AddDays(-1), now.AddYears(1), X509KeyUsageFlags.NonRepudiation)).ShouldBeNull();
        (await SignWith(now.AddYears(-2), now.AddDays(-1), X509KeyUsageFlags.DigitalSignature)).ShouldBe(new AgentError(AgentErrorCode.SigningKeyNotFound), "expired");
        (await SignWith(now.AddDays(1), now.AddYears(1), X509KeyUsageFlags.DigitalSignature)).ShouldBe(new AgentError(AgentErrorCode.SigningKeyNotFound), "not yet valid");
        (await SignWith(now.AddDays(-1), now.AddYears(1), X509KeyUsageFlags.KeyAgreement)).ShouldBe(new AgentError(AgentErrorCode.KeyNotAllowed), "not for signatures");
    }

    [Fact]
    public async Task A_wrong_qpin_signs_nothing_spends_a_try_and_a_second_connection_gets_nothing_from_the_first_ones_login()
    {
        await using var rig = await StartAsync();
        (await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Qualified, Codes(DemoDevice.QPin), false))).Error.ShouldBeNull();
        (await rig.InvokeAsync<DocumentSigned>(AgentHubContract.SignDocument, Qualified(rig))).Error.ShouldBeNull("the page with its QPIN signs");
        await using var hostile = await AgentHubClient.ConnectAsync(AgentHubClient.HubAddress(rig.Agent.BaseAddress), TokenCareRig.Origin);

        var withoutPin = await hostile.InvokeCoreAsync<AgentResult<DocumentSigned>>(AgentHubContract.SignDocument, [Qualified(rig) with { Pin = [] }]);
        var wrongPin = await hostile.InvokeCoreAsync<AgentResult<DocumentSigned>>(AgentHubContract.SignDocument, [Qualified(rig) with { Pin = Codes(WrongQPin) }]);
        var standardPin = await hostile.InvokeCoreAsync<AgentResult<DocumentSigned>>(AgentHubContract.SignDocument, [Qualified(rig) with { Pin = Codes(DemoDevice.Pin) }]);

        withoutPin.Error.ShouldBe(new AgentError(AgentErrorCode.InvalidInput));
        withoutPin.Value.ShouldBeNull();
        var error = wrongPin.Error.ShouldNotBeNull();
        error.Code.ShouldBe(AgentErrorCode.PinIncorrect);
        error.Pin.ShouldBe(PinKind.QPin);
        wrongPin.Value.ShouldBeNull();
        standardPin.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.PinIncorrect, "the standard PIN does not open the qualified area");
        standardPin.Value.ShouldBeNull();
        (await rig.AreaAsync(AreaKind.Qualified)).UserPin.State.ShouldBe(PinState.FinalTry, "each of the two wrong QPINs spent a try on the device");
        (await rig.AreaAsync(AreaKind.Standard)).UserPin.State.ShouldBe(PinState.Ok);
        (await rig.UserPinWorksAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).ShouldBeTrue();
        await Task.Delay(200);
        rig.Agent.Output.ShouldNotContain(WrongQPin, Case.Sensitive, "no PIN in the agent's log");
        rig.Agent.Output.ShouldNotContain(DemoDevice.QPin, Case.Sensitive);
    }

    private static async Task<(bool Verified, bool SignerIsTheDevices)> VerifyWithOpenSslAsync(TokenCareRig rig, byte[] cms, byte[] document)
    {
        var work = RepositoryPaths.NewTemporaryDirectory("cms-verify");
        try
        {
            var signature = Path.Combine(work, "sig.p7s");
            var content = Path.Combine(work, "doc");
            var signers = Path.Combine(work, "signer.pem");
            await File.WriteAllBytesAsync(signature, cms);
            await File.WriteAllBytesAsync(content, document);
            var result = await ProcessRunner.RunAsync("openssl",
            [
                "cms", "-verify", "-binary", "-inform", "DER", "-in", signature, "-content", content,
                "-CAfile", Path.Combine(rig.Device.Directory, "ca", "ca.pem"), "-purpose", "any", "-signer", signers, "-out", Path.Combine(work, "out"),
            ]);
            var verified = result.ExitCode == 0 && result.Combined.Contains("Verification successful", StringComparison.Ordinal);
            return (verified, verified && File.Exists(signers) && (await File.ReadAllTextAsync(signers)).Contains("BEGIN CERTIFICATE", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
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
}

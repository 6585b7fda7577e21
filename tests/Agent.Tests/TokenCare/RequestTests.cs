using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Shared.Bridge;
using Qtsp.TestSupport;
using static Qtsp.Agent.Tests.TokenCare.TokenCareRig;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>Key pairs and requests made on the device, checked with openssl and pkcs11-tool.</summary>
public sealed class RequestTests
{
    private static readonly byte[] Nonce = RandomNumberGenerator.GetBytes(32);

    internal static KeyRequestCommand Qualified(TokenCareRig rig, KeyAlgorithm algorithm = KeyAlgorithm.Rsa2048, string? operationId = null) =>
        new(operationId ?? Guid.NewGuid().ToString("N"), rig.DeviceId, AreaKind.Qualified, algorithm, DemoDevice.Holder, "jan.novak@example.cz", "CZ", Nonce, Codes(DemoDevice.Pin), Codes(DemoDevice.QPin), false, rig.Device.ServiceKeyPublicKey);

    internal static KeyRequestCommand Standard(TokenCareRig rig, KeyAlgorithm algorithm = KeyAlgorithm.EcP256) =>
        new(Guid.NewGuid().ToString("N"), rig.DeviceId, AreaKind.Standard, algorithm, DemoDevice.Holder, "jan.novak@example.cz", "CZ", Nonce, Codes(DemoDevice.Pin), null, false, rig.Device.ServiceKeyPublicKey);

    [Fact]
    public async Task A_qualified_request_verifies_with_openssl_and_its_attestation_with_the_service_key()
    {
        await using var rig = await StartAsync();

        var result = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, Qualified(rig));

        result.Error.ShouldBeNull();
        var created = result.Value.ShouldNotBeNull();
        (await OpenSsl.VerifyRequestAsync(created.Request)).ShouldBeTrue();
        var request = CertificateRequest.LoadSigningRequest(created.Request, HashAlgorithmName.SHA256);
        request.SubjectName.Name.ShouldContain($"CN={DemoDevice.Holder}");

        var serviceKey = await ServiceKeyAsync(rig);
        AttestationStatement.Verify(created.Attestation, serviceKey.Info, created.Request, Nonce, rig.Device.Serial).ShouldBeTrue();
        (await OpenSsl.VerifySignatureAsync(serviceKey.Pem, created.Attestation.Statement, created.Attestation.Signature)).ShouldBeTrue();
        AttestationStatement.Verify(created.Attestation, serviceKey.Info, created.Request, RandomNumberGenerator.GetBytes(32), rig.Device.Serial).ShouldBeFalse("another nonce");
        AttestationStatement.Verify(created.Attestation, serviceKey.Info, created.Request, Nonce, "0000000000000000").ShouldBeFalse("another device");

        var listing = await rig.Device.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "-O", "--login", "--pin", DemoDevice.QPin);
        var key = PrivateKeyBlock(listing.Output, created.KeyLabel);
        key.ShouldContain("always authenticate");
        key.ShouldContain("never extractable");
        key.ShouldContain("sensitive");
        key.ShouldContain("Usage:      sign");
        key.ShouldNotContain("decrypt");

        var stages = new List<OperationStage>();
        while (rig.Stages.Reader.TryRead(out var stage))
        {
            stages.Add(stage);
        }

        stages.ShouldBe([OperationStage.CheckingCapacity, OperationStage.GeneratingKey, OperationStage.SigningRequest, OperationStage.Attesting, OperationStage.Finished]);
    }

    [Theory]
    [InlineData(KeyAlgorithm.EcP256)]
    [InlineData(KeyAlgorithm.EcP384)]
    [InlineData(KeyAlgorithm.Rsa3072)]
    public async Task Standard_area_requests_of_each_algorithm_verify(KeyAlgorithm algorithm)
    {
        await using var rig = await StartAsync();

        var created = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, Standard(rig, algorithm))).Value.ShouldNotBeNull();

        (await OpenSsl.VerifyRequestAsync(created.Request)).ShouldBeTrue();
        AttestationStatement.Verify(created.Attestation, (await ServiceKeyAsync(rig)).Info, created.Request, Nonce, rig.Device.Serial).ShouldBeTrue();
        PrivateKeyBlock((await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "-O", "--login", "--pin", DemoDevice.Pin)).Output, created.KeyLabel)
            .ShouldNotContain("always authenticate", Case.Sensitive, "only qualified keys ask for the PIN at every signature");
    }

    [Fact]
    public async Task An_issued_certificate_installs_next_to_its_key_and_a_foreign_one_is_refused()
    {
        await using var rig = await StartAsync();
        var created = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, Qualified(rig))).Value.ShouldNotBeNull();
        var certificate = await DemoCa.IssueAsync(rig.Device, created.Request, qualified: true);

        var installed = await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.InstallCertificate, new CertificateInstall(rig.DeviceId, AreaKind.Qualified, certificate, Codes(DemoDevice.QPin), false));

        installed.Error.ShouldBeNull();
        installed.Value!.IdHex.ShouldBe(created.KeyIdHex);
        var objects = await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin);
        objects.ShouldContain(o => o.Kind == "Certificate" && o.IdHex == created.KeyIdHex && o.Label == DemoDevice.Holder);
        objects.Where(o => o.IdHex == created.KeyIdHex && o.Kind.EndsWith("Key", StringComparison.Ordinal)).Select(o => o.Label).ShouldAllBe(l => l == DemoDevice.Holder);
        var area = await rig.AreaAsync(AreaKind.Qualified);
        area.Certificates.Count(c => c.IsQualified && c.HasPrivateKey).ShouldBe(2);

        using var foreignKey = RSA.Create(2048);
        var foreign = new CertificateRequest("CN=Someone Else", foreignKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1)).RawData;
        var before = (await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).Count;

        var refused = await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.InstallCertificate, new CertificateInstall(rig.DeviceId, AreaKind.Qualified, foreign, Codes(DemoDevice.QPin), false));

        refused.Error.ShouldBe(new AgentError(AgentErrorCode.KeyNotOnDevice));
        (await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).Count.ShouldBe(before);
    }

    [Fact]
    public async Task Exporting_a_certificate_gives_the_der_on_the_device()
    {
        await using var rig = await StartAsync();

        var exported = await rig.InvokeAsync<byte[]>(AgentHubContract.GetCertificate, rig.DeviceId, AreaKind.Qualified, "01");

        var read = Path.GetTempFileName();
        try
        {
            (await rig.Device.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "--read-object", "--type", "cert", "--id", "01", "--output-file", read)).ExitCode.ShouldBe(0);
            exported.Value.ShouldBe(await File.ReadAllBytesAsync(read));
        }
        finally
        {
            File.Delete(read);
        }
    }

    internal static async Task<(PublicKey Info, string Pem)> ServiceKeyAsync(TokenCareRig rig)
    {
        var path = Path.GetTempFileName();
        try
        {
            (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--read-object", "--type", "pubkey", "--id", "5345525649434b4559", "--output-file", path)).ExitCode.ShouldBe(0);
            var der = await File.ReadAllBytesAsync(path);
            return (PublicKey.CreateFromSubjectPublicKeyInfo(der, out _), PemEncoding.WriteString("PUBLIC KEY", der));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string PrivateKeyBlock(string listing, string label) =>
        System.Text.RegularExpressions.Regex.Split(listing, @"(?m)^(?=(?:Private Key|Public Key|Certificate|Data|Secret Key) Object)")
            .Where(block => block.StartsWith("Private Key Object", StringComparison.Ordinal) && block.Contains($"label:      {label}\n", StringComparison.Ordinal))
            .ShouldHaveSingleItem(listing);
}

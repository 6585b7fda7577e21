using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;
using static Qtsp.Agent.Tests.TokenCare.TokenCareRig;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>No room, orphan keys, a full device; deleting, never the service key; preparing a complaint.</summary>
public sealed class CapacityAndCleanupTests
{
    [Fact]
    public async Task With_two_qualified_certificates_a_qualified_request_stops_before_any_key_is_generated()
    {
        await using var rig = await StartAsync();
        var second = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Qualified(rig))).Value.ShouldNotBeNull();
        (await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.InstallCertificate,
            new CertificateInstall(rig.DeviceId, AreaKind.Qualified, await DemoCa.IssueAsync(rig.Device, second.Request, qualified: true), Codes(DemoDevice.QPin), false))).Error.ShouldBeNull();
        var before = await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin);

        var refused = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Qualified(rig));

        refused.Error.ShouldNotBeNull();
        refused.Error.Code.ShouldBe(AgentErrorCode.CapacityExceeded);
        refused.Error.Capacity.ShouldBe(new CapacityProblem(CapacityIssue.QualifiedAreaFull, 2, 2, []), new CapacityProblemComparer());
        (await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).Count.ShouldBe(before.Count, "no key was generated");
    }

    [Fact]
    public async Task Orphan_keys_stop_a_request_and_name_themselves()
    {
        await using var rig = await StartAsync();
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "p11#dead", "--id", "dead")).ExitCode.ShouldBe(0);
        var before = await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin);

        var refused = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig));

        refused.Error!.Code.ShouldBe(AgentErrorCode.CapacityExceeded);
        refused.Error.Capacity!.Issue.ShouldBe(CapacityIssue.OrphanKeys);
        refused.Error.Capacity.OrphanKeyLabels.ShouldBe(["p11#dead"]);
        (await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).Count.ShouldBe(before.Count);

        var deleted = await rig.InvokeAsync<int>(AgentHubContract.DeleteObjects, new ObjectDeletion(rig.DeviceId, AreaKind.Standard,
            [new ObjectRef(ObjectKind.PrivateKey, "DEAD", "p11#dead"), new ObjectRef(ObjectKind.PublicKey, "DEAD", "p11#dead")], Codes(DemoDevice.Pin), false));
        deleted.Value.ShouldBe(2);
        (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig))).Error.ShouldBeNull("the clean-up made room");
    }

    [Fact]
    public async Task Deleting_a_certificate_with_its_key_pair_removes_the_private_key_the_page_could_not_see()
    {
        await using var rig = await StartAsync();

        var deleted = await rig.InvokeAsync<int>(AgentHubContract.DeleteObjects, new ObjectDeletion(rig.DeviceId, AreaKind.Qualified,
            [new ObjectRef(ObjectKind.Certificate, "01", DemoDevice.Holder)], Codes(DemoDevice.QPin), false, WithKeyPairs: true));

        deleted.Value.ShouldBe(3);
        (await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_full_device_is_reported_before_any_key_is_generated()
    {
        await using var rig = await StartAsync();
        rig.Device.SetFull(true);

        var refused = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig));

        (refused.Error!.Code, refused.Error.Capacity!.Issue).ShouldBe((AgentErrorCode.CapacityExceeded, CapacityIssue.NoFreeMemory));
    }

    [Fact]
    public async Task The_service_key_cannot_be_deleted_through_the_hub_and_nothing_else_goes_with_the_refusal()
    {
        await using var rig = await StartAsync();
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "p11#beef", "--id", "beef")).ExitCode.ShouldBe(0);
        var before = await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin);

        foreach (var target in new[]
        {
            new ObjectRef(ObjectKind.PrivateKey, "5345525649434B4559", DeviceModelCatalogue.ServiceKeyLabel),
            new ObjectRef(ObjectKind.PublicKey, "5345525649434B4559", DeviceModelCatalogue.ServiceKeyLabel),
        })
        {
            var refused = await rig.InvokeAsync<int>(AgentHubContract.DeleteObjects, new ObjectDeletion(rig.DeviceId, AreaKind.Standard,
                [new ObjectRef(ObjectKind.PrivateKey, "BEEF", "p11#beef"), target], Codes(DemoDevice.Pin), false));
            refused.Error.ShouldBe(new AgentError(AgentErrorCode.ProtectedObject));
        }

        (await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).Count.ShouldBe(before.Count);
    }

    [Fact]
    public async Task Preparing_a_complaint_leaves_only_the_service_key_and_factory_secrets()
    {
        await using var rig = await StartAsync();

        var prepared = await rig.InvokeAsync<ComplaintPrepared>(AgentHubContract.PrepareComplaint,
            new ComplaintPreparation(rig.DeviceId, Codes(DemoDevice.Pin), Codes(DemoDevice.Puk), Codes(DemoDevice.QPin), Codes(DemoDevice.QPuk), false));

        prepared.Error.ShouldBeNull();
        prepared.Value!.SecretsReset.ShouldBe([PinKind.Pin, PinKind.QPin, PinKind.Puk, PinKind.QPuk], ignoreOrder: true);
        (prepared.Value.DeviceSerial, prepared.Value.ObjectsRemoved).ShouldBe((rig.Device.Serial, 3));
        (await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, "12345678")).Select(o => o.Label).Distinct().ShouldBe([DeviceModelCatalogue.ServiceKeyLabel]);
        (await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, "12345678")).ShouldBeEmpty();
        (await rig.SoPinWorksAsync(DemoDevice.StandardLabel, "87654321")).ShouldBeTrue();
        (await rig.SoPinWorksAsync(DemoDevice.QualifiedLabel, "87654321")).ShouldBeTrue();
    }

    [Fact]
    public async Task A_wrong_puk_stops_the_complaint_before_anything_is_removed()
    {
        await using var rig = await StartAsync();
        var before = await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin);

        var refused = await rig.InvokeAsync<ComplaintPrepared>(AgentHubContract.PrepareComplaint,
            new ComplaintPreparation(rig.DeviceId, Codes(DemoDevice.Pin), Codes("00000000"), Codes(DemoDevice.QPin), Codes(DemoDevice.QPuk), false));

        (refused.Error!.Code, refused.Error.Pin).ShouldBe((AgentErrorCode.PinIncorrect, PinKind.Puk));
        (await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).Count.ShouldBe(before.Count);
        (await rig.UserPinWorksAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_pkcs12_file_imports_key_and_certificate_into_the_standard_area()
    {
        await using var rig = await StartAsync();
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=Imported Holder", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1));
        var pfx = certificate.Export(X509ContentType.Pfx, "Heslo-123");

        var wrongPassword = await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.ImportPkcs12, new Pkcs12Import(rig.DeviceId, pfx, Codes("nope"), Codes(DemoDevice.Pin), false));
        var notPkcs12 = await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.ImportPkcs12, new Pkcs12Import(rig.DeviceId, certificate.RawData, Codes("Heslo-123"), Codes(DemoDevice.Pin), false));
        var imported = await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.ImportPkcs12, new Pkcs12Import(rig.DeviceId, pfx, Codes("Heslo-123"), Codes(DemoDevice.Pin), false));

        wrongPassword.Error.ShouldBe(new AgentError(AgentErrorCode.FilePasswordIncorrect));
        notPkcs12.Error.ShouldBe(new AgentError(AgentErrorCode.InvalidInput));
        imported.Error.ShouldBeNull();
        var objects = await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin);
        objects.Where(o => o.IdHex == imported.Value!.IdHex).Select(o => o.Kind).ShouldBe(["Private Key", "Public Key", "Certificate"], ignoreOrder: true);
        (await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Pin), false))).Error.ShouldBeNull();
        var area = await rig.AreaAsync(AreaKind.Standard);
        var importedKey = area.Keys.Single(k => k.IdHex == imported.Value!.IdHex && k.Class == KeyClass.Private);
        (importedKey.Sensitive, importedKey.Extractable, importedKey.Role).ShouldBe((true, false, KeyRole.Certified));
        area.Certificates.Single(c => c.IdHex == imported.Value!.IdHex).IsQualified.ShouldBeFalse();
    }

    [Fact]
    public async Task Renaming_uses_the_modules_extension_and_the_device_shows_the_new_label()
    {
        await using var rig = await StartAsync();
        (await rig.DeviceAsync()).CanRename.ShouldBeTrue("the simulator exports P11SIM_SetTokenLabel");

        var renamed = await rig.InvokeAsync<string>(AgentHubContract.RenameToken, new TokenRename(rig.DeviceId, "Novak26"));
        var tooLongForTheQualifiedArea = await rig.InvokeAsync<string>(AgentHubContract.RenameToken, new TokenRename(rig.DeviceId, "Novak2026"));

        renamed.Value.ShouldBe("Novak26");
        tooLongForTheQualifiedArea.Error.ShouldBe(new AgentError(AgentErrorCode.InvalidInput), "\"Novak2026 (Digital Signature PIN)\" is 33 bytes");
        var device = await rig.DeviceAsync();
        device.Areas.Select(a => a.Label).ShouldBe(["Novak26", "Novak26 (Digital Signature PIN)"]);
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "-T")).Output.ShouldNotContain("Novak26", Case.Sensitive, "SoftHSM itself keeps its label: the rename lives in the module that offered it");
    }

    private sealed class CapacityProblemComparer : IEqualityComparer<CapacityProblem?>
    {
        public bool Equals(CapacityProblem? x, CapacityProblem? y) =>
            x is not null && y is not null && (x.Issue, x.QualifiedCertificates, x.Capacity) == (y.Issue, y.QualifiedCertificates, y.Capacity)
            && x.OrphanKeyLabels.SequenceEqual(y.OrphanKeyLabels);

        public int GetHashCode(CapacityProblem? obj) => obj?.Issue.GetHashCode() ?? 0;
    }
}

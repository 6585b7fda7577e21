using System.Security.Cryptography;
using System.Text;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tests.Support;
using Qtsp.Agent.Tokens;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tests.Tokens;

/// <summary>TokenReader and DeviceAssembler over the real SoftHSM2 tokens that pkcs11-tool and openssl filled.</summary>
[Collection(InProcessSoftHsm.Name)]
public sealed class TokenReaderTests : IAsyncLifetime
{
    private SharedSoftHsm _softHsm = null!;

    private Pkcs11Module Module => _softHsm.Module;

    public async Task InitializeAsync() => _softHsm = await SharedSoftHsm.GetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void A_public_reading_lists_certificates_and_public_keys_but_no_private_objects()
    {
        var reading = TokenReader.Read(Module, _softHsm.Standard.SlotId).ShouldNotBeNull();

        reading.ModulePath.ShouldBe(Module.LibraryPath);
        reading.Token.Label.ShouldBe(SharedSoftHsm.StandardLabel);
        reading.Token.SerialNumber.ShouldBe(_softHsm.Standard.Serial);
        reading.PrivateObjectsListed.ShouldBeFalse("SoftHSM requires login, and the reader does not log in");
        reading.Objects.Select(o => (o.Class, o.Label, o.IdHex)).ShouldBe(
            [
                (CKO.CKO_PUBLIC_KEY, SharedSoftHsm.ServiceKeyLabel, SharedSoftHsm.ServiceKeyId),
                (CKO.CKO_PUBLIC_KEY, SharedSoftHsm.OrphanLabel, SharedSoftHsm.OrphanId),
                (CKO.CKO_PUBLIC_KEY, SharedSoftHsm.CommercialLabel, SharedSoftHsm.CommercialKeyId),
                (CKO.CKO_CERTIFICATE, SharedSoftHsm.CommercialLabel, SharedSoftHsm.CommercialCertificateId),
            ],
            ignoreOrder: true);
        reading.Objects.Single(o => o.Class == CKO.CKO_CERTIFICATE)[CKA.CKA_VALUE].ShouldBe(_softHsm.CommercialCertificate);
        reading.Objects.Where(o => o.Class == CKO.CKO_PUBLIC_KEY).ShouldAllBe(o => o[CKA.CKA_VALUE] == null, "key values are never read");
    }

    [Fact]
    public void The_free_slot_reads_as_nothing()
    {
        var free = Module.GetSlotList(tokenPresent: true).Except([_softHsm.Standard.SlotId, _softHsm.Qualified.SlotId, _softHsm.Spare.SlotId]).Single();

        TokenReader.Read(Module, free).ShouldBeNull();
    }

    [Fact]
    public void The_two_tokens_of_the_label_pair_assemble_into_one_device_and_the_spare_stays_apart()
    {
        var devices = DeviceAssembler.Assemble(ReadAll());

        devices.Count.ShouldBe(2);
        var device = devices.Single(d => d.Areas.Count == 2);
        device.ModelId.ShouldBe(DeviceModelCatalogue.Unknown.Id);
        device.ModelName.ShouldBe("SoftHSM v2");
        device.Manufacturer.ShouldBe("SoftHSM project");
        device.Areas.Select(a => (a.Kind, a.Label, a.SlotId)).ShouldBe(
        [
            (AreaKind.Standard, SharedSoftHsm.StandardLabel, _softHsm.Standard.SlotId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (AreaKind.Qualified, SharedSoftHsm.QualifiedLabel, _softHsm.Qualified.SlotId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ]);
        devices.Single(d => d.Areas.Count == 1).Areas.Single().Label.ShouldBe(SharedSoftHsm.SpareLabel);

        DeviceAssembler.Assemble(ReadAll()).Select(d => d.DeviceId).ShouldBe(devices.Select(d => d.DeviceId), ignoreOrder: true, "ids are stable between readings");
    }

    [Fact]
    public void The_standard_area_shows_the_service_key_an_orphan_and_a_certificate_paired_by_public_key()
    {
        var standard = Device().Areas.Single(a => a.Kind == AreaKind.Standard);

        standard.UserPin.ShouldBe(new PinStatus(PinKind.Pin, PinState.Ok, false));
        standard.SoPin.ShouldBe(new PinStatus(PinKind.Puk, PinState.Ok, false));
        (standard.MinPinLength, standard.MaxPinLength).ShouldBe((4, 255));
        standard.PrivateObjectsListed.ShouldBeFalse();

        var keys = standard.Keys.ToDictionary(k => k.Label);
        keys.Count.ShouldBe(3);
        keys[SharedSoftHsm.ServiceKeyLabel].ShouldBe(
            new KeyView(KeyClass.Public, SharedSoftHsm.ServiceKeyId, SharedSoftHsm.ServiceKeyLabel, "RSA", 2048, null, KeyRole.ServiceKey, null, null, null),
            "public keys have no CKA_SENSITIVE, CKA_EXTRACTABLE or CKA_ALWAYS_AUTHENTICATE");
        (keys[SharedSoftHsm.OrphanLabel].Role, keys[SharedSoftHsm.OrphanLabel].KeyType, keys[SharedSoftHsm.OrphanLabel].Curve).ShouldBe((KeyRole.Orphan, "EC", "P-256"));
        keys[SharedSoftHsm.CommercialLabel].Role.ShouldBe(KeyRole.Certified, "its certificate has another CKA_ID; SoftHSM's DER-wrapped EC point pairs it");

        var certificate = standard.Certificates.ShouldHaveSingleItem();
        certificate.IdHex.ShouldBe(SharedSoftHsm.CommercialCertificateId);
        certificate.HasPrivateKey.ShouldBeTrue();
        (certificate.IsQualified, certificate.IsOnQscd).ShouldBe((false, false));
        certificate.Sha256Fingerprint.ShouldBe(Convert.ToHexString(SHA256.HashData(_softHsm.CommercialCertificate)));
        certificate.Issuer.ShouldContain("CN=Agent Tests CA");
    }

    [Fact]
    public void The_qualified_area_shows_the_qualified_certificate_on_a_qscd_with_its_key()
    {
        var qualified = Device().Areas.Single(a => a.Kind == AreaKind.Qualified);

        qualified.UserPin.Kind.ShouldBe(PinKind.QPin);
        qualified.SoPin.Kind.ShouldBe(PinKind.QPuk);
        var certificate = qualified.Certificates.ShouldHaveSingleItem();
        certificate.Subject.ShouldContain("CN=Jan Novak");
        (certificate.IsQualified, certificate.IsOnQscd, certificate.HasPrivateKey).ShouldBe((true, true, true));
        var key = qualified.Keys.ShouldHaveSingleItem();
        (key.Class, key.KeyType, key.SizeBits, key.Role, key.IdHex).ShouldBe((KeyClass.Public, "RSA", (int?)2048, KeyRole.Certified, SharedSoftHsm.HolderId));
    }

    [Fact]
    public void After_login_the_reading_includes_private_keys_and_says_so()
    {
        using var session = Module.OpenSession(_softHsm.Qualified.SlotId, readWrite: false);
        session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.QualifiedPin));
        SlotReading reading;
        try
        {
            reading = TokenReader.Read(Module, _softHsm.Qualified.SlotId).ShouldNotBeNull();
        }
        finally
        {
            session.Logout();
        }

        reading.PrivateObjectsListed.ShouldBeTrue();
        var area = DeviceAssembler.ToArea(reading, DeviceModelCatalogue.Unknown, qualified: true);
        var privateKey = area.Keys.Single(k => k.Class == KeyClass.Private);
        (privateKey.Role, privateKey.Sensitive, privateKey.Extractable, privateKey.AlwaysAuthenticate).ShouldBe((KeyRole.Certified, (bool?)true, (bool?)false, (bool?)true));
    }

    private DeviceSnapshot Device() => DeviceAssembler.Assemble(ReadAll()).Single(d => d.Areas.Count == 2);

    private List<SlotReading> ReadAll() =>
        Module.GetSlotList(tokenPresent: true).Select(slot => TokenReader.Read(Module, slot)).OfType<SlotReading>().ToList();
}

using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tokens;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tests.Tokens;

/// <summary>How slots of vendor modules become physical devices with a standard and a qualified area.</summary>
public sealed class DeviceAssemblerTests
{
    private const string SafeNetModule = "/usr/lib/libeToken.so";
    private const string SafeNet = "SafeNet, Inc.";
    private const ulong Usable = CKF.CKF_TOKEN_INITIALIZED | CKF.CKF_USER_PIN_INITIALIZED | CKF.CKF_LOGIN_REQUIRED | CKF.CKF_RNG;

    [Fact]
    public void Two_slots_with_one_manufacturer_and_serial_are_one_device()
    {
        var device = DeviceAssembler.Assemble(
        [
            Reading("Jan Novak (Digital Signature PIN)", serial: "0A1B2C3D", description: "AKS ifdh 1", slot: 1),
            Reading("Jan Novak", serial: "0A1B2C3D", description: "AKS ifdh 0", slot: 0),
        ]).ShouldHaveSingleItem();

        device.SerialNumber.ShouldBe("0A1B2C3D");
        device.Manufacturer.ShouldBe(SafeNet);
        device.ModulePath.ShouldBe(SafeNetModule);
        device.Areas.Select(a => (a.Kind, a.Label, a.SlotId)).ShouldBe(
            [(AreaKind.Standard, "Jan Novak", "0"), (AreaKind.Qualified, "Jan Novak (Digital Signature PIN)", "1")]);
    }

    [Fact]
    public void Slots_sharing_a_slot_description_are_one_device()
    {
        var device = DeviceAssembler.Assemble(
        [
            Reading("PODPIS", serial: "", manufacturer: "Monet+", model: "ProID+Q", description: "Monet+ ProID+Q 00 (QSCD)", slot: 7),
            Reading("OSOBNI", serial: "", manufacturer: "Monet+", model: "ProID+Q", description: "Monet+ ProID+Q 00", slot: 6),
        ]).ShouldHaveSingleItem();

        device.ModelId.ShouldBe(DeviceModelCatalogue.ProIdPlusQ.Id);
        device.Areas.Select(a => (a.Kind, a.Label)).ShouldBe([(AreaKind.Standard, "OSOBNI"), (AreaKind.Qualified, "PODPIS")], "the description's (QSCD) marks the qualified slot");
    }

    [Theory]
    [InlineData("x (CC)")]
    [InlineData("Jan Novak (Digital Signature PIN)")]
    public void A_label_typed_to_look_like_an_area_does_not_move_the_areas_the_module_marks(string typed)
    {
        // The user renamed the token (another vendor tool): the module still marks its qualified slot in the slot description.
        var device = DeviceAssembler.Assemble(
        [
            Reading(typed, serial: "0A1B2C3D", description: "SafeNet eToken 5110 CC 00", slot: 0),
            Reading(typed + " (Digital Signature PIN)", serial: "0A1B2C3D", description: "SafeNet eToken 5110 CC 00 (Digital Signature PIN)", slot: 1),
        ]).ShouldHaveSingleItem();

        device.Areas.Select(a => (a.Kind, a.SlotId)).ShouldBe([(AreaKind.Standard, "0"), (AreaKind.Qualified, "1")]);
    }

    [Fact]
    public void Without_module_marks_only_the_virtual_slot_form_of_labels_makes_a_qualified_area()
    {
        // "x (CC)" beside "x (CC) (Digital Signature PIN)": the second is the first's PIN-named virtual slot; the first is not qualified.
        var device = DeviceAssembler.Assemble(
        [
            Reading("x (CC)", serial: "0A1B2C3D", description: "AKS ifdh 0", slot: 0),
            Reading("x (CC) (Digital Signature PIN)", serial: "0A1B2C3D", description: "AKS ifdh 1", slot: 1),
        ]).ShouldHaveSingleItem();

        device.Areas.Select(a => (a.Kind, a.SlotId)).ShouldBe([(AreaKind.Standard, "0"), (AreaKind.Qualified, "1")]);
    }

    [Fact]
    public void A_label_and_the_same_label_with_a_pin_name_are_one_device()
    {
        // Middleware that gives each virtual slot its own serial and reader name still names the second token after the first.
        var device = DeviceAssembler.Assemble(
        [
            Reading("Jan Novak", serial: "1111", description: "Reader A"),
            Reading("Jan Novak (Digital Signature PIN)", serial: "2222", description: "Reader B"),
        ]).ShouldHaveSingleItem();

        device.Areas.Select(a => a.Kind).ShouldBe([AreaKind.Standard, AreaKind.Qualified]);
    }

    [Fact]
    public void Two_devices_of_one_holder_with_the_same_labels_stay_two_devices()
    {
        // The holder's old and new eToken plugged in together, both labelled with the holder's name: the label
        // convention must not pull the second device's standard area into the first device.
        var devices = DeviceAssembler.Assemble(
        [
            Reading("Jan Novak", serial: "1111", description: "AKS ifdh 0", slot: 0),
            Reading("Jan Novak (Digital Signature PIN)", serial: "1111", description: "AKS ifdh 0 (Sig)", slot: 1),
            Reading("Jan Novak", serial: "2222", description: "AKS ifdh 1", slot: 2),
            Reading("Jan Novak (Digital Signature PIN)", serial: "2222", description: "AKS ifdh 1 (Sig)", slot: 3),
            Reading("Jan Novak", serial: "3333", description: "AKS ifdh 2", slot: 4),
        ]);

        devices.Select(d => (d.SerialNumber, string.Join(",", d.Areas.Select(a => a.SlotId)))).ShouldBe(
            [("1111", "0,1"), ("2222", "2,3"), ("3333", "4")], ignoreOrder: true);
    }

    [Fact]
    public void The_label_convention_pairs_one_standard_with_one_qualified_area()
    {
        // Tokens without a shared serial or reader name (SoftHSM-like): two holders' pairs, and a lone token of the first.
        var devices = DeviceAssembler.Assemble(
        [
            Reading("Jan Novak", serial: "A1", description: "Slot 1", slot: 1),
            Reading("Jan Novak (Digital Signature PIN)", serial: "A2", description: "Slot 2", slot: 2),
            Reading("Eva Dvorak", serial: "B1", description: "Slot 3", slot: 3),
            Reading("Eva Dvorak (Digital Signature PIN)", serial: "B2", description: "Slot 4", slot: 4),
            Reading("Jan Novak", serial: "C1", description: "Slot 5", slot: 5),
        ]);

        devices.Count.ShouldBe(3);
        devices.ShouldAllBe(d => d.Areas.Count(a => a.Kind == AreaKind.Standard) <= 1 && d.Areas.Count(a => a.Kind == AreaKind.Qualified) <= 1);
        devices.Single(d => d.Areas.Any(a => a.SlotId == "1")).Areas.Select(a => a.SlotId).ShouldBe(["1", "2"]);
        devices.Single(d => d.Areas.Any(a => a.SlotId == "3")).Areas.Select(a => a.SlotId).ShouldBe(["3", "4"]);
        devices.Single(d => d.Areas.Any(a => a.SlotId == "5")).Areas.Select(a => a.SlotId).ShouldBe(["5"]);
    }

    [Fact]
    public void Unrelated_tokens_stay_separate_devices()
    {
        var devices = DeviceAssembler.Assemble(
        [
            Reading("Alice", serial: "1111", description: "Reader 0"),
            Reading("Bob", serial: "2222", description: "Reader 1"),
            Reading("Token", serial: "3333", description: "Reader 2"),
            Reading("Token", serial: "4444", description: "Reader 3"), // same label, neither a qualified area
            Reading("Eva (Digital Signature PIN)", serial: "5555", description: "Reader 4"),
            Reading("Eva (Digital Signature PIN)", serial: "6666", description: "Reader 5"), // both qualified: two devices
        ]);

        devices.Count.ShouldBe(6);
        devices.Select(d => d.DeviceId).Distinct().Count().ShouldBe(6);
    }

    [Fact]
    public void Equal_serials_from_different_manufacturers_or_modules_are_different_devices()
    {
        var devices = DeviceAssembler.Assemble(
        [
            Reading("A", serial: "0001", manufacturer: "SafeNet, Inc.", description: "Reader 0"),
            Reading("B", serial: "0001", manufacturer: "Gemalto", description: "Reader 1"),
            Reading("C", serial: "0001", manufacturer: "SafeNet, Inc.", description: "Reader 2", module: "/usr/lib/libIDPrimePKCS11.so"),
        ]);

        devices.Count.ShouldBe(3);
    }

    [Fact]
    public void A_device_keeps_its_id_when_replugged_into_other_slots_and_listed_in_another_order()
    {
        var first = DeviceAssembler.Assemble(
        [
            Reading("Jan Novak", serial: "0A1B2C3D", slot: 0),
            Reading("Jan Novak (Digital Signature PIN)", serial: "0A1B2C3D", slot: 1),
        ]).ShouldHaveSingleItem();
        var replugged = DeviceAssembler.Assemble(
        [
            Reading("Jan Novak (Digital Signature PIN)", serial: "0A1B2C3D", slot: 5),
            Reading("Jan Novak", serial: "0A1B2C3D", slot: 4),
        ]).ShouldHaveSingleItem();
        var another = DeviceAssembler.Assemble([Reading("Jan Novak", serial: "0A1B2C3E", slot: 0)]).ShouldHaveSingleItem();

        replugged.DeviceId.ShouldBe(first.DeviceId);
        replugged.DeviceId.ShouldStartWith("dev-");
        another.DeviceId.ShouldNotBe(first.DeviceId);
    }

    [Theory]
    [InlineData("eToken 5110 CC", SafeNet, "", "etoken-5110-cc", "SafeNet eToken 5110 CC")]
    [InlineData("eToken", SafeNet, "SafeNet eToken 5110 CC 00", "etoken-5110-cc", "SafeNet eToken 5110 CC")]
    [InlineData("ID Prime MD", "Gemalto", "Gemalto USB Shell Token V2", "idprime-md", "Thales IDPrime MD")]
    [InlineData("IDPrime MD 3940", "Thales", "", "idprime-md", "Thales IDPrime MD")]
    [InlineData("ProID+Q", "Monet+", "", "proid-plus-q", "Monet+ ProID+Q")]
    [InlineData("PKCS#15", "Monet+ a.s.", "", "proid-plus-q", "Monet+ ProID+Q")]
    [InlineData("SoftHSM v2", "SoftHSM project", "SoftHSM slot ID 0x1", "unknown", "SoftHSM v2")]
    public void The_model_is_recognised_from_what_the_module_reports(string model, string manufacturer, string description, string modelId, string modelName)
    {
        var device = DeviceAssembler.Assemble([Reading("Token", serial: "1", manufacturer: manufacturer, model: model, description: description)]).ShouldHaveSingleItem();

        device.ModelId.ShouldBe(modelId);
        device.ModelName.ShouldBe(modelName, "an unknown device is shown by the model its token reports");
    }

    [Theory]
    [InlineData("Jan Novak (Digital Signature PIN)", "", AreaKind.Qualified)]
    [InlineData("Jan Novak (Digital Signature Pin)", "", AreaKind.Qualified)]
    [InlineData("Jan Novak (CC)", "", AreaKind.Qualified)]
    [InlineData("Jan Novak (QSCD)", "", AreaKind.Qualified)]
    [InlineData("Jan Novak", "eToken 5110 (Sig)", AreaKind.Qualified)]
    [InlineData("Jan Novak", "eToken 5110", AreaKind.Standard)]
    [InlineData("Jan Novak (work)", "", AreaKind.Standard)]
    public void The_qualified_area_is_detected_from_the_label_or_the_slot_description(string label, string description, AreaKind kind)
    {
        var device = DeviceAssembler.Assemble([Reading(label, serial: "1", description: description)]).ShouldHaveSingleItem();

        device.Areas.ShouldHaveSingleItem().Kind.ShouldBe(kind);
    }

    [Theory]
    [InlineData((Usable), PinState.Ok, false)]
    [InlineData((Usable | CKF.CKF_USER_PIN_COUNT_LOW), PinState.CountLow, false)]
    [InlineData((Usable | CKF.CKF_USER_PIN_COUNT_LOW | CKF.CKF_USER_PIN_FINAL_TRY), PinState.FinalTry, false)]
    [InlineData((Usable | CKF.CKF_USER_PIN_FINAL_TRY | CKF.CKF_USER_PIN_LOCKED), PinState.Locked, false)]
    [InlineData((Usable | CKF.CKF_USER_PIN_TO_BE_CHANGED), PinState.Ok, true)]
    [InlineData((Usable | CKF.CKF_USER_PIN_LOCKED | CKF.CKF_USER_PIN_TO_BE_CHANGED), PinState.Locked, true)]
    [InlineData((Usable & ~CKF.CKF_USER_PIN_INITIALIZED), PinState.NotInitialized, false)]
    [InlineData((Usable | CKF.CKF_SO_PIN_LOCKED | CKF.CKF_SO_PIN_TO_BE_CHANGED), PinState.Ok, false)]
    public void The_user_pin_state_comes_from_the_token_flags(ulong flags, PinState state, bool toBeChanged)
    {
        var area = DeviceAssembler.Assemble([Reading("Jan Novak", serial: "1", flags: (ulong)flags)]).ShouldHaveSingleItem().Areas.ShouldHaveSingleItem();

        area.UserPin.ShouldBe(new PinStatus(PinKind.Pin, state, toBeChanged));
    }

    [Theory]
    [InlineData((Usable), PinState.Ok, false)]
    [InlineData((Usable | CKF.CKF_SO_PIN_COUNT_LOW), PinState.CountLow, false)]
    [InlineData((Usable | CKF.CKF_SO_PIN_FINAL_TRY), PinState.FinalTry, false)]
    [InlineData((Usable | CKF.CKF_SO_PIN_LOCKED | CKF.CKF_SO_PIN_FINAL_TRY), PinState.Locked, false)]
    [InlineData((Usable | CKF.CKF_SO_PIN_TO_BE_CHANGED), PinState.Ok, true)]
    [InlineData((Usable | CKF.CKF_USER_PIN_LOCKED), PinState.Ok, false)]
    public void The_unblock_code_state_comes_from_the_so_flags(ulong flags, PinState state, bool toBeChanged)
    {
        var area = DeviceAssembler.Assemble([Reading("Jan Novak", serial: "1", flags: (ulong)flags)]).ShouldHaveSingleItem().Areas.ShouldHaveSingleItem();

        area.SoPin.ShouldBe(new PinStatus(PinKind.Puk, state, toBeChanged));
    }

    [Fact]
    public void The_qualified_area_is_guarded_by_qpin_and_qpuk_or_on_proid_by_the_puk()
    {
        var eToken = DeviceAssembler.Assemble(
        [
            Reading("Jan Novak", serial: "1"),
            Reading("Jan Novak (Digital Signature PIN)", serial: "1", flags: Usable | CKF.CKF_USER_PIN_FINAL_TRY),
        ]).ShouldHaveSingleItem();
        var proId = DeviceAssembler.Assemble(
        [
            Reading("Jan", serial: "9", manufacturer: "Monet+", model: "ProID+Q"),
            Reading("Jan (QSCD)", serial: "9", manufacturer: "Monet+", model: "ProID+Q"),
        ]).ShouldHaveSingleItem();

        eToken.Areas.Select(a => (a.UserPin.Kind, a.SoPin.Kind)).ShouldBe([(PinKind.Pin, PinKind.Puk), (PinKind.QPin, PinKind.QPuk)]);
        eToken.Areas[1].UserPin.State.ShouldBe(PinState.FinalTry);
        eToken.Areas[0].UserPin.State.ShouldBe(PinState.Ok, "each area reports its own flags");
        proId.Areas.Select(a => (a.UserPin.Kind, a.SoPin.Kind)).ShouldBe([(PinKind.Pin, PinKind.Puk), (PinKind.QPin, PinKind.Puk)]);
    }

    [Fact]
    public void An_area_carries_pin_lengths_memory_the_protected_path_and_whether_private_objects_were_listed()
    {
        var token = Token("Jan Novak", "1", SafeNet, "eToken 5110 CC", Usable | CKF.CKF_PROTECTED_AUTHENTICATION_PATH) with
        {
            MinPinLength = 6,
            MaxPinLength = 16,
            TotalPublicMemory = 73728,
            FreePublicMemory = 1024,
        };
        var reading = new SlotReading(SafeNetModule, 3, new SlotInfo("", SafeNet, CKF.CKF_TOKEN_PRESENT), token, PrivateObjectsListed: true, []);

        var area = DeviceAssembler.Assemble([reading]).ShouldHaveSingleItem().Areas.ShouldHaveSingleItem();

        (area.MinPinLength, area.MaxPinLength).ShouldBe((6, 16));
        area.Memory.ShouldBe(new MemoryStatus(73728, 1024, null, null));
        area.ProtectedAuthenticationPath.ShouldBeTrue();
        area.PrivateObjectsListed.ShouldBeTrue();
        area.TokenModel.ShouldBe("eToken 5110 CC");
        area.SlotId.ShouldBe("3");

        DeviceAssembler.Assemble([Reading("Jan Novak", serial: "1")]).Single().Areas.Single().Memory.ShouldBeNull("a token that reports no memory");
    }

    [Fact]
    public void Slot_ids_beyond_what_javascript_numbers_hold_survive_as_text()
    {
        var area = DeviceAssembler.Assemble([Reading("Jan Novak", serial: "1", slot: ulong.MaxValue - 1)]).Single().Areas.Single();

        area.SlotId.ShouldBe("18446744073709551614");
    }

    internal static SlotReading Reading(
        string label,
        string serial = "",
        string manufacturer = SafeNet,
        string model = "eToken 5110 CC",
        string description = "",
        ulong slot = 0,
        ulong flags = Usable,
        string module = SafeNetModule) =>
        new(module, slot, new SlotInfo(description, manufacturer, CKF.CKF_TOKEN_PRESENT | CKF.CKF_REMOVABLE_DEVICE), Token(label, serial, manufacturer, model, flags), false, []);

    private static TokenInfo Token(string label, string serial, string manufacturer, string model, ulong flags) =>
        new(label, manufacturer, model, serial, flags, 4, 16, null, null, null, null, "1.0", "1.0");
}

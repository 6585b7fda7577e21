using System.Reflection;
using System.Text.Json;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Shared.Tests.Bridge;

/// <summary>
/// The DTOs travel agent → (SignalR JSON protocol) → page → (Blazor JS interop) → portal. Both serialisers use
/// camelCase names and case-insensitive reading; neither registers enum converters, so the DTOs must carry their own.
/// </summary>
public sealed class BridgeJsonTests
{
    public static TheoryData<string> OptionSets() => ["web", "interop"];

    private static JsonSerializerOptions Options(string name) => name switch
    {
        "web" => new JsonSerializerOptions(JsonSerializerDefaults.Web),
        // What JSRuntime and the SignalR JSON hub protocol configure (no number-from-string handling).
        "interop" => new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, PropertyNameCaseInsensitive = true },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    internal static DeviceSnapshot SampleDevice() => new(
        DeviceId: "etoken-5110-cc:0A1B2C3D",
        ModelId: DeviceModelCatalogue.EToken5110Cc.Id,
        ModelName: "SafeNet eToken 5110 CC",
        Manufacturer: "SafeNet, Inc.",
        SerialNumber: "0A1B2C3D",
        ModulePath: "/usr/lib/libeTPkcs11.so",
        Areas:
        [
            new AreaSnapshot(
                AreaKind.Standard,
                SlotId: "18446744073709551615", // CK_SLOT_ID beyond what JavaScript numbers hold
                Label: "JanNovak",
                TokenModel: "eToken 5110 CC",
                UserPin: new PinStatus(PinKind.Pin, PinState.CountLow, ToBeChanged: false),
                SoPin: new PinStatus(PinKind.Puk, PinState.Ok, ToBeChanged: true),
                MinPinLength: 4,
                MaxPinLength: 16,
                ProtectedAuthenticationPath: false,
                Memory: new MemoryStatus(TotalPublic: 81920, FreePublic: 40000, TotalPrivate: null, FreePrivate: null),
                PrivateObjectsListed: false,
                Certificates: [],
                Keys:
                [
                    new KeyView(KeyClass.Public, "01", DeviceModelCatalogue.ServiceKeyLabel, "RSA", 2048, null, KeyRole.ServiceKey, null, null, null),
                ]),
            new AreaSnapshot(
                AreaKind.Qualified,
                SlotId: "1",
                Label: "JanNovak (Digital Signature PIN)",
                TokenModel: "eToken 5110 CC",
                UserPin: new PinStatus(PinKind.QPin, PinState.FinalTry, ToBeChanged: false),
                SoPin: new PinStatus(PinKind.QPuk, PinState.Locked, ToBeChanged: false),
                MinPinLength: null,
                MaxPinLength: null,
                ProtectedAuthenticationPath: true,
                Memory: null,
                PrivateObjectsListed: true,
                Certificates:
                [
                    new CertificateView(
                        IdHex: "a1b2",
                        Label: "Jan Novák",
                        Subject: "CN=Jan Novák, C=CZ",
                        Issuer: "CN=Qualified CA, C=CZ",
                        SerialNumber: "0123456789ABCDEF",
                        NotBefore: new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
                        NotAfter: new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)),
                        IsQualified: true,
                        IsOnQscd: true,
                        Sha256Fingerprint: new string('A', 64),
                        HasPrivateKey: true),
                ],
                Keys:
                [
                    new KeyView(KeyClass.Private, "a1b2", "Jan Novák", "EC", 256, "P-256", KeyRole.Certified, true, false, true),
                    new KeyView(KeyClass.Private, "ff", "p11#ff00", "RSA", 2048, null, KeyRole.Orphan, true, false, null),
                ]),
        ]);

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Device_snapshot_round_trips(string optionSet)
    {
        var options = Options(optionSet);
        var original = SampleDevice();

        var json = JsonSerializer.Serialize(original, options);
        var back = JsonSerializer.Deserialize<DeviceSnapshot>(json, options).ShouldNotBeNull();

        JsonSerializer.Serialize(back, options).ShouldBe(json);
        back.Areas.Count.ShouldBe(2);
        back.Areas[0].SlotId.ShouldBe("18446744073709551615");
        back.Areas[1].Certificates[0].NotAfter.ShouldBe(original.Areas[1].Certificates[0].NotAfter);
        back.Areas[1].Certificates[0].NotAfter.Offset.ShouldBe(TimeSpan.FromHours(1));
        back.Areas[1].Keys[1].Role.ShouldBe(KeyRole.Orphan);
        back.Areas[0].Memory.ShouldBe(original.Areas[0].Memory);
        back.Areas[1].UserPin.ShouldBe(original.Areas[1].UserPin);
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Device_snapshot_is_written_in_camel_case_with_enums_as_names(string optionSet)
    {
        var json = JsonSerializer.Serialize(SampleDevice(), Options(optionSet));

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        root.GetProperty("deviceId").GetString().ShouldBe("etoken-5110-cc:0A1B2C3D");
        root.GetProperty("modelId").GetString().ShouldBe("etoken-5110-cc");
        var qualified = root.GetProperty("areas")[1];
        qualified.GetProperty("kind").GetString().ShouldBe("Qualified");
        qualified.GetProperty("slotId").ValueKind.ShouldBe(JsonValueKind.String);
        qualified.GetProperty("userPin").GetProperty("state").GetString().ShouldBe("FinalTry");
        qualified.GetProperty("userPin").GetProperty("kind").GetString().ShouldBe("QPin");
        qualified.GetProperty("soPin").GetProperty("toBeChanged").GetBoolean().ShouldBeFalse();
        qualified.GetProperty("privateObjectsListed").GetBoolean().ShouldBeTrue();
        qualified.GetProperty("certificates")[0].GetProperty("isOnQscd").GetBoolean().ShouldBeTrue();
        qualified.GetProperty("keys")[0].GetProperty("role").GetString().ShouldBe("Certified");
        qualified.GetProperty("keys")[0].GetProperty("class").GetString().ShouldBe("Private");
        PropertyNames(root).ShouldAllBe(name => char.IsLower(name[0]));
    }

    private static IEnumerable<string> PropertyNames(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => PropertyNames(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(PropertyNames),
        _ => [],
    };

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Reads_a_snapshot_as_the_agent_writes_it(string optionSet)
    {
        // Hand-written in the wire shape, so a change of names or enum spelling on one side shows up here.
        const string json = """
            {
              "deviceId": "proid-plus-q:77", "modelId": "proid-plus-q", "modelName": "Monet+ ProID+Q",
              "manufacturer": "Monet+", "serialNumber": "77", "modulePath": "PROIDQCM11.DLL",
              "areas": [{
                "kind": "Standard", "slotId": "3", "label": "Card", "tokenModel": "ProID+Q",
                "userPin": { "kind": "Pin", "state": "NotInitialized", "toBeChanged": true },
                "soPin": { "kind": "Puk", "state": "Ok", "toBeChanged": false },
                "minPinLength": 4, "maxPinLength": 15, "protectedAuthenticationPath": false,
                "memory": null, "privateObjectsListed": false,
                "certificates": [], "keys": [{ "class": "Public", "idHex": "01", "label": "Servisní klíč", "keyType": "RSA",
                  "sizeBits": 2048, "curve": null, "role": "ServiceKey", "sensitive": null, "extractable": null, "alwaysAuthenticate": null }]
              }]
            }
            """;

        var device = JsonSerializer.Deserialize<DeviceSnapshot>(json, Options(optionSet)).ShouldNotBeNull();

        device.ModelId.ShouldBe("proid-plus-q");
        var area = device.Areas.ShouldHaveSingleItem();
        area.Kind.ShouldBe(AreaKind.Standard);
        area.UserPin.ShouldBe(new PinStatus(PinKind.Pin, PinState.NotInitialized, ToBeChanged: true));
        area.Memory.ShouldBeNull();
        var key = area.Keys.ShouldHaveSingleItem();
        key.Role.ShouldBe(KeyRole.ServiceKey);
        key.Class.ShouldBe(KeyClass.Public);
        key.Label.ShouldBe("Servisní klíč");
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Whether_a_device_can_be_renamed_travels_and_is_false_when_an_agent_does_not_say(string optionSet)
    {
        var options = Options(optionSet);
        var renamable = SampleDevice() with { CanRename = true };

        var json = JsonSerializer.Serialize(renamable, options);
        json.ShouldContain("\"canRename\":true");
        JsonSerializer.Deserialize<DeviceSnapshot>(json, options).ShouldNotBeNull().CanRename.ShouldBeTrue();

        var fromOlderAgent = json.Replace(",\"canRename\":true", "", StringComparison.Ordinal);
        fromOlderAgent.ShouldNotContain("canRename");
        JsonSerializer.Deserialize<DeviceSnapshot>(fromOlderAgent, options).ShouldNotBeNull().CanRename.ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(OptionSets))]
    public void Agent_info_and_token_status_round_trip(string optionSet)
    {
        var options = Options(optionSet);
        var info = new AgentInfo("1.2.3", AgentHubContract.ProtocolVersion, "Linux", [new ModuleStatus("/usr/lib/softhsm/libsofthsm2.so", true, "SoftHSM", "SoftHSM", "2.40", null), new ModuleStatus("eTPKCS11.dll", false, null, null, null, "not found")]);
        var status = new TokenStatus("JanNovak", "0A1B", new PinStatus(PinKind.Pin, PinState.Ok, false), new PinStatus(PinKind.Puk, PinState.Locked, false), null);

        var infoJson = JsonSerializer.Serialize(info, options);
        var infoBack = JsonSerializer.Deserialize<AgentInfo>(infoJson, options).ShouldNotBeNull();
        JsonSerializer.Serialize(infoBack, options).ShouldBe(infoJson);
        infoJson.ShouldContain("\"protocolVersion\":1");
        infoBack.Modules[1].Error.ShouldBe("not found");

        var statusJson = JsonSerializer.Serialize(status, options);
        JsonSerializer.Deserialize<TokenStatus>(statusJson, options).ShouldBe(status);
        statusJson.ShouldContain("\"state\":\"Locked\"");
    }

    /// <summary>Every enum anywhere in the contract travels by name: numbers break silently when members are added or reordered.</summary>
    [Fact]
    public void Every_enum_in_the_contract_is_written_as_its_name()
    {
        var options = Options("interop");
        var enums = EnumsReachableFrom(typeof(AgentInfo), typeof(DeviceSnapshot), typeof(TokenStatus), typeof(AgentResult<DeviceSnapshot>));

        enums.ShouldContain(typeof(PinKind));
        enums.ShouldContain(typeof(AgentErrorCode));
        foreach (var type in enums)
        {
            foreach (var value in Enum.GetValues(type))
            {
                var json = JsonSerializer.Serialize(value, type, options);
                json.ShouldBe($"\"{value}\"", $"{type.Name}.{value}");
                JsonSerializer.Deserialize(json, type, options).ShouldBe(value);
            }
        }
    }

    private static HashSet<Type> EnumsReachableFrom(params Type[] roots)
    {
        var seen = new HashSet<Type>();
        var enums = new HashSet<Type>();
        var pending = new Stack<Type>(roots);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type))
            {
                continue;
            }

            if (type.IsEnum)
            {
                enums.Add(type);
                continue;
            }

            if (type.IsGenericType)
            {
                foreach (var argument in type.GetGenericArguments())
                {
                    pending.Push(argument);
                }
            }

            if (type.Namespace?.StartsWith("Qtsp.", StringComparison.Ordinal) == true)
            {
                foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    pending.Push(property.PropertyType);
                }
            }
        }

        return enums;
    }
}

using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Tests.Token;

/// <summary>Device snapshots as the agent reports them, for rendering tests.</summary>
internal static class TokenSamples
{
    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    public static CertificateView Certificate(
        string id = "a1",
        string subject = "CN=Jan Novák, C=CZ",
        bool qualified = true,
        bool qscd = true,
        bool hasKey = true,
        DateTimeOffset? notAfter = null) => new(
            IdHex: id,
            Label: subject,
            Subject: subject,
            Issuer: "CN=QTSP Qualified CA 2026, O=QTSP s.r.o., C=CZ",
            SerialNumber: "7F00AA" + id.ToUpperInvariant(),
            NotBefore: Now.AddDays(-30),
            NotAfter: notAfter ?? Now.AddDays(335),
            IsQualified: qualified,
            IsOnQscd: qscd,
            Sha256Fingerprint: new string('C', 64),
            HasPrivateKey: hasKey);

    public static KeyView Key(string label, KeyRole role, string id = "01", KeyClass keyClass = KeyClass.Private) =>
        new(keyClass, id, label, "RSA", 2048, null, role, Sensitive: true, Extractable: false, AlwaysAuthenticate: null);

    public static AreaSnapshot Area(
        AreaKind kind = AreaKind.Qualified,
        PinState userState = PinState.Ok,
        PinState soState = PinState.Ok,
        bool userToBeChanged = false,
        bool soToBeChanged = false,
        bool privateListed = true,
        IReadOnlyList<CertificateView>? certificates = null,
        IReadOnlyList<KeyView>? keys = null,
        MemoryStatus? memory = null)
    {
        var (user, so) = kind == AreaKind.Qualified ? (PinKind.QPin, PinKind.QPuk) : (PinKind.Pin, PinKind.Puk);
        return new AreaSnapshot(
            kind,
            SlotId: kind == AreaKind.Qualified ? "2" : "1",
            Label: kind == AreaKind.Qualified ? "JanNovak (Digital Signature PIN)" : "JanNovak",
            TokenModel: "eToken 5110 CC",
            UserPin: new PinStatus(user, userState, userToBeChanged),
            SoPin: new PinStatus(so, soState, soToBeChanged),
            MinPinLength: 4,
            MaxPinLength: 16,
            ProtectedAuthenticationPath: false,
            Memory: memory,
            PrivateObjectsListed: privateListed,
            Certificates: certificates ?? [],
            Keys: keys ?? []);
    }

    public static DeviceSnapshot Device(DeviceModel model, string serial, params AreaSnapshot[] areas) => new(
        DeviceId: $"{model.Id}:{serial}",
        ModelId: model.Id,
        ModelName: model.DisplayName,
        Manufacturer: "SafeNet, Inc.",
        SerialNumber: serial,
        ModulePath: "/usr/lib/libeTPkcs11.so",
        Areas: areas);
}

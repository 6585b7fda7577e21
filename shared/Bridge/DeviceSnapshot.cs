using System.Text.Json.Serialization;
using Qtsp.Shared.Devices;

namespace Qtsp.Shared.Bridge;

/// <summary>The agent itself and the PKCS#11 modules it loaded.</summary>
public sealed record AgentInfo(string Version, int ProtocolVersion, string OperatingSystem, IReadOnlyList<ModuleStatus> Modules);

public sealed record ModuleStatus(
    string Path,
    bool Loaded,
    string? LibraryDescription,
    string? Manufacturer,
    string? CryptokiVersion,
    string? Error);

/// <summary>
/// One physical device (token or card) with its areas, as seen at one moment. <paramref name="CanRename"/>: its module
/// offers a way to rename it (PKCS#11 itself has none); false when an older agent does not say.
/// </summary>
public sealed record DeviceSnapshot(
    string DeviceId,
    string ModelId,
    string ModelName,
    string Manufacturer,
    string SerialNumber,
    string ModulePath,
    IReadOnlyList<AreaSnapshot> Areas,
    bool CanRename = false);

[JsonConverter(typeof(JsonStringEnumConverter<AreaKind>))]
public enum AreaKind
{
    /// <summary>Protected by the PIN (unblocked with the PUK).</summary>
    Standard,

    /// <summary>The qualified ("CC") area, protected by the QPIN (unblocked with the QPUK).</summary>
    Qualified,
}

/// <summary>One protected area of a device, i.e. one PKCS#11 token. Slot ids are strings: CK_SLOT_ID may exceed what JavaScript numbers hold.</summary>
public sealed record AreaSnapshot(
    AreaKind Kind,
    string SlotId,
    string Label,
    string TokenModel,
    PinStatus UserPin,
    PinStatus SoPin,
    int? MinPinLength,
    int? MaxPinLength,
    bool ProtectedAuthenticationPath,
    MemoryStatus? Memory,
    bool PrivateObjectsListed,
    IReadOnlyList<CertificateView> Certificates,
    IReadOnlyList<KeyView> Keys,
    bool LoggedIn = false);

[JsonConverter(typeof(JsonStringEnumConverter<PinState>))]
public enum PinState
{
    Ok,
    CountLow,
    FinalTry,
    Locked,
    NotInitialized,
}

/// <summary>The retry state of one secret, from the token's flags (CKF_*_PIN_COUNT_LOW / FINAL_TRY / LOCKED / TO_BE_CHANGED).</summary>
public sealed record PinStatus(PinKind Kind, PinState State, bool ToBeChanged);

/// <summary>Token memory in bytes; null parts are not reported by the device.</summary>
public sealed record MemoryStatus(long? TotalPublic, long? FreePublic, long? TotalPrivate, long? FreePrivate);

public sealed record CertificateView(
    string IdHex,
    string Label,
    string Subject,
    string Issuer,
    string SerialNumber,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    bool IsQualified,
    bool IsOnQscd,
    string Sha256Fingerprint,
    bool HasPrivateKey);

[JsonConverter(typeof(JsonStringEnumConverter<KeyClass>))]
public enum KeyClass
{
    Private,
    Public,
}

[JsonConverter(typeof(JsonStringEnumConverter<KeyRole>))]
public enum KeyRole
{
    /// <summary>A key whose certificate is on the device.</summary>
    Certified,

    /// <summary>The CA's service key: identifies the device to the CA; must never be deleted.</summary>
    ServiceKey,

    /// <summary>A key with no certificate, typically left by a failed request ("p11#" prefix).</summary>
    Orphan,
}

public sealed record KeyView(
    KeyClass Class,
    string IdHex,
    string Label,
    string KeyType,
    int? SizeBits,
    string? Curve,
    KeyRole Role,
    bool? Sensitive,
    bool? Extractable,
    bool? AlwaysAuthenticate);

/// <summary>The live state of one area (C_GetTokenInfo), without reading its objects.</summary>
public sealed record TokenStatus(string Label, string SerialNumber, PinStatus UserPin, PinStatus SoPin, MemoryStatus? Memory);

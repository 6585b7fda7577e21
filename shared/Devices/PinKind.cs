using System.Text.Json.Serialization;

namespace Qtsp.Shared.Devices;

/// <summary>The four secrets of a two-area device: PIN/PUK guard the standard area, QPIN/QPUK the qualified one.</summary>
/// <remarks>Part of the bridge contract (<c>PinStatus.Kind</c>): travels by name like the contract's other enums.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<PinKind>))]
public enum PinKind
{
    Pin,
    Puk,
    QPin,
    QPuk,
}

public static class PinKindExtensions
{
    public static bool IsUnblockCode(this PinKind kind) => kind is PinKind.Puk or PinKind.QPuk;

    public static bool IsQualified(this PinKind kind) => kind is PinKind.QPin or PinKind.QPuk;
}

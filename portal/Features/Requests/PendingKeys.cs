namespace Qtsp.Portal.Features.Requests;

/// <summary>
/// The keys on the holder's devices that wait for a certificate: each made for a request the CA has taken and not yet
/// decided, or whose certificate is issued and waits to be accepted. Such a key has no certificate on the device yet,
/// but it is not a leftover.
/// </summary>
public sealed class PendingKeys
{
    private readonly IReadOnlyDictionary<string, string> _requestByKey;

    public PendingKeys(IEnumerable<(string DeviceSerial, string KeyIdHex, string RequestNumber)> pending) =>
        _requestByKey = pending.ToDictionary(p => Key(p.DeviceSerial, p.KeyIdHex), p => p.RequestNumber, StringComparer.Ordinal);

    public static PendingKeys None { get; } = new([]);

    /// <summary>The number of the request the key waits for, if it does.</summary>
    public string? RequestFor(string deviceSerial, string keyIdHex) => _requestByKey.GetValueOrDefault(Key(deviceSerial, keyIdHex));

    private static string Key(string deviceSerial, string keyIdHex) => $"{deviceSerial.Trim().ToUpperInvariant()}|{keyIdHex.ToLowerInvariant()}";
}

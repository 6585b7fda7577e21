using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tray;

/// <summary>What the tray icon shows, most urgent first when several apply.</summary>
internal enum TrayIndicator
{
    /// <summary>Running, no device attached.</summary>
    Idle,

    /// <summary>At least one device attached, nothing needing the holder.</summary>
    DeviceReady,

    /// <summary>Something on a device needs the holder (a blocked PIN, a certificate ending).</summary>
    Attention,

    /// <summary>An operation is running on a device.</summary>
    Busy,

    /// <summary>The holder paused the bridge: pages cannot reach the devices.</summary>
    Paused,
}

internal enum TrayAttentionKind
{
    PinBlocked,
    CertificateEnding,
    CertificateExpired,
}

/// <summary>One thing on one device the holder should look at.</summary>
internal sealed record TrayAttention(TrayAttentionKind Kind, string Device, string Area, DateTimeOffset? NotAfter = null);

/// <summary>The tray's view of the agent at one moment, computed from the devices, the running operations and the pause flag.</summary>
internal sealed record TrayState(
    TrayIndicator Indicator,
    IReadOnlyList<DeviceSnapshot> Devices,
    IReadOnlyList<string> BusyOrigins,
    IReadOnlyList<TrayAttention> Attention,
    bool Paused)
{
    /// <summary>How long before a certificate ends the tray starts to ask for attention (the portal's renewal window).</summary>
    public static readonly TimeSpan CertificateWarning = TimeSpan.FromDays(30);

    public static TrayState Compute(IReadOnlyList<DeviceSnapshot> devices, IReadOnlyList<string> busyOrigins, bool paused, DateTimeOffset now)
    {
        var attention = devices.SelectMany(device => AttentionOf(device, now)).ToArray();
        var indicator = paused ? TrayIndicator.Paused
            : busyOrigins.Count > 0 ? TrayIndicator.Busy
            : attention.Length > 0 ? TrayIndicator.Attention
            : devices.Count > 0 ? TrayIndicator.DeviceReady
            : TrayIndicator.Idle;
        return new TrayState(indicator, devices, busyOrigins.Distinct(StringComparer.Ordinal).ToArray(), attention, paused);
    }

    public static string DeviceName(DeviceSnapshot device) => $"{device.ModelName} {device.SerialNumber}".Trim();

    private static IEnumerable<TrayAttention> AttentionOf(DeviceSnapshot device, DateTimeOffset now)
    {
        var name = DeviceName(device);
        foreach (var area in device.Areas)
        {
            if (area.UserPin.State == PinState.Locked)
            {
                yield return new TrayAttention(TrayAttentionKind.PinBlocked, name, area.Label);
            }

            // A certificate the holder signs with (its key is on the device); CA certificates stored beside it do not count.
            foreach (var certificate in area.Certificates.Where(c => c.HasPrivateKey))
            {
                if (certificate.NotAfter <= now)
                {
                    yield return new TrayAttention(TrayAttentionKind.CertificateExpired, name, area.Label, certificate.NotAfter);
                }
                else if (certificate.NotAfter - now <= CertificateWarning)
                {
                    yield return new TrayAttention(TrayAttentionKind.CertificateEnding, name, area.Label, certificate.NotAfter);
                }
            }
        }
    }
}

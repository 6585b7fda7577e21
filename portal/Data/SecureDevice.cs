namespace Qtsp.Portal.Data;

/// <summary>A secure device (token or smart card) the CA handed out, identified by its serial number.</summary>
public sealed class SecureDevice
{
    public long Id { get; set; }

    /// <summary>The model's id in the shared catalogue (<see cref="Qtsp.Shared.Devices.DeviceModelCatalogue"/>).</summary>
    public required string ModelId { get; set; }

    /// <summary>The serial number the device reports, upper case.</summary>
    public required string SerialNumber { get; set; }

    /// <summary>The end of the device's QSCD certification; afterwards no qualified certificate may go into it.</summary>
    public DateOnly? QscdCertifiedUntil { get; set; }

    /// <summary>
    /// When the daily job found the QSCD certification ended and revoked the qualified certificates on the device (once);
    /// afterwards the device is no QSCD for the CA whatever <see cref="QscdCertifiedUntil"/> says.
    /// </summary>
    public DateTime? QscdEndedAtUtc { get; set; }

    /// <summary>The public key (SubjectPublicKeyInfo, DER) of the service key the CA put on the device.</summary>
    public byte[]? ServiceKeyPublicKey { get; set; }

    public DeviceStatus Status { get; set; }

    public DateTime RegisteredAtUtc { get; set; }
}

public enum DeviceStatus
{
    /// <summary>Handed out and usable.</summary>
    Active,

    /// <summary>Its service key is gone: the CA must prepare it again before any new request.</summary>
    ServiceKeyMissing,

    /// <summary>Returned to the CA (complaint, end of use).</summary>
    Returned,

    /// <summary>Reported lost or stolen.</summary>
    Lost,
}

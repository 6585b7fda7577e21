namespace Qtsp.Portal.Ca;

/// <summary>Serial numbers already used by the CA, so that a new random one is never given twice.</summary>
public interface IIssuedSerialNumbers
{
    /// <param name="serialNumber">Upper-case hex, as <see cref="Qtsp.Portal.Data.Certificate.SerialNumber"/> records it.</param>
    Task<bool> IsTakenAsync(string serialNumber, CancellationToken cancellationToken);
}

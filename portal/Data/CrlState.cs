namespace Qtsp.Portal.Data;

/// <summary>
/// The latest CRL of one issuing CA as every portal instance serves it, and its number: a new CRL takes the next number
/// in the same transaction that stores it, so two instances never publish one number twice.
/// </summary>
public sealed class CrlState
{
    public const int CaNameMaxLength = 64;

    public required string CaName { get; set; }

    public long Number { get; set; }

    public DateTime ThisUpdateUtc { get; set; }

    public DateTime NextUpdateUtc { get; set; }

    public required byte[] Der { get; set; }
}

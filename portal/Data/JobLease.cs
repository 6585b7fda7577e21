namespace Qtsp.Portal.Data;

/// <summary>
/// Who runs a background job now: one row per job, taken by the instance whose lease is unexpired. Every take raises
/// <see cref="Fence"/>, so work done under a lease that was lost meanwhile can be told apart.
/// </summary>
public sealed class JobLease
{
    public const int NameMaxLength = 64;

    public required string Name { get; set; }

    public required string Holder { get; set; }

    public DateTime ExpiresAtUtc { get; set; }

    public long Fence { get; set; }
}

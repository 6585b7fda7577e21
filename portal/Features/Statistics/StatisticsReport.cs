using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Devices;

namespace Qtsp.Portal.Features.Statistics;

/// <summary>Where a certificate stands now: a revoked certificate counts as revoked whatever its validity says.</summary>
public enum CertificateState
{
    Valid,
    Expired,
    Revoked,
}

public sealed record CertificateCount(CertificateType Type, CertificateState State, int Count);

/// <summary>Valid certificates whose validity ends by the end of the 30th, 60th and 90th day from today (each includes the shorter).</summary>
public sealed record ExpiringCounts(int Within30Days, int Within60Days, int Within90Days);

/// <summary>A month of the period (its first day, in the portal's zone) with the certificates issued and revoked in it.</summary>
public sealed record MonthCount(DateOnly Month, int Issued, int Revoked);

public sealed record RequestCount(RequestStatus Status, int Count);

/// <summary>The statistics for one filter, as of <see cref="AsOfUtc"/>.</summary>
public sealed record StatisticsReport(
    DateTime AsOfUtc,
    StatisticsFilter Filter,
    IReadOnlyList<CertificateCount> Certificates,
    ExpiringCounts Expiring,
    IReadOnlyList<MonthCount> Months,
    IReadOnlyList<RequestCount> Requests,
    IReadOnlyList<DeviceEndingSoon> DevicesEndingSoon,
    int DeviceEndingSoonDays)
{
    public int CountOf(CertificateType type, CertificateState state) =>
        Certificates.Where(c => c.Type == type && c.State == state).Sum(c => c.Count);

    public int CountOf(CertificateState state) => Certificates.Where(c => c.State == state).Sum(c => c.Count);

    public int CountOf(RequestStatus status) => Requests.Where(r => r.Status == status).Sum(r => r.Count);
}

/// <summary>What the filter bar shows for the organisation and applicant chosen (names only of what the account may see).</summary>
public sealed record StatisticsChoice(long Id, string Name);

using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Certificates;

/// <summary>
/// The one mapping of revocation reasons to their text keys, for every page and sentence that names a reason (the
/// certificate pages, the audit trail). A stored reason nobody knows any more reads as "not given", never as its code.
/// </summary>
public static class RevocationReasonTexts
{
    public static string Key(RevocationReason reason) => reason switch
    {
        RevocationReason.KeyCompromise => "Certificates.Reason.KeyCompromise",
        RevocationReason.AffiliationChanged => "Certificates.Reason.AffiliationChanged",
        RevocationReason.Superseded => "Certificates.Reason.Superseded",
        RevocationReason.CessationOfOperation => "Certificates.Reason.CessationOfOperation",
        RevocationReason.PrivilegeWithdrawn => "Certificates.Reason.PrivilegeWithdrawn",
        _ => "Certificates.Reason.Unspecified",
    };

    public static string Key(RevocationReason? reason) => Key(reason ?? RevocationReason.Unspecified);

    /// <summary>For a reason as the database and the audit details store it (the enum's name).</summary>
    public static string Key(string? stored) =>
        Enum.TryParse<RevocationReason>(stored, ignoreCase: false, out var reason) && Enum.IsDefined(reason) && !int.TryParse(stored, out _)
            ? Key(reason)
            : Key(RevocationReason.Unspecified);
}

using Microsoft.AspNetCore.Identity;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Recovery codes for the second factor: a new set replaces the old one and is shown once (only hashes are stored,
/// <see cref="PortalUserStore"/>); each code signs in once instead of an authenticator code.
/// </summary>
public sealed class RecoveryCodes(UserManager<PortalUser> users, AuditTrail audit)
{
    public const int SetSize = 10;

    /// <summary>A new set for <paramref name="user"/>, which has an authenticator; the old codes stop working.</summary>
    public async Task<IReadOnlyList<string>> ReplaceAsync(PortalUser user, string auditActor)
    {
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, SetSize).ConfigureAwait(false))?.ToList() ?? [];
        var userName = user.UserName ?? user.Id;
        await audit.RecordAsync(auditActor, auditActor == userName ? null : userName, null, AuditActions.RecoveryCodesGenerated,
            AuditSubjects.User(userName), new { count = codes.Count }).ConfigureAwait(false);
        return codes;
    }

    public Task<int> RemainingAsync(PortalUser user) => users.CountRecoveryCodesAsync(user);
}

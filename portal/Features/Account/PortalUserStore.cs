using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Identity's EF store with the second factor's secrets protected at rest (both in AspNetUserTokens): the authenticator
/// key encrypted by Data Protection — whose keys are themselves encrypted by the CA's token, so a copy of the database
/// cannot compute anyone's codes — and the recovery codes only as salted slow hashes (<see cref="RecoveryCodeHashes"/>).
/// </summary>
public sealed class PortalUserStore(PortalDbContext context, IDataProtectionProvider protection, IdentityErrorDescriber? describer = null)
    : UserStore<PortalUser, IdentityRole, PortalDbContext>(context, describer)
{
    /// <summary>The login provider name under which Identity's store keeps its own tokens.</summary>
    public const string StoreProvider = "[AspNetUserStore]";
    public const string AuthenticatorKeyName = "AuthenticatorKey";
    public const string RecoveryCodesName = "RecoveryCodes";

    private readonly AuthenticatorKeyProtection _keys = new(protection);

    public override Task SetAuthenticatorKeyAsync(PortalUser user, string key, CancellationToken cancellationToken) =>
        SetTokenAsync(user, StoreProvider, AuthenticatorKeyName, _keys.Protect(key), cancellationToken);

    public override async Task<string?> GetAuthenticatorKeyAsync(PortalUser user, CancellationToken cancellationToken) =>
        _keys.Unprotect(await GetTokenAsync(user, StoreProvider, AuthenticatorKeyName, cancellationToken).ConfigureAwait(false));

    public override Task ReplaceCodesAsync(PortalUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        SetTokenAsync(user, StoreProvider, RecoveryCodesName, RecoveryCodeHashes.Hash(recoveryCodes), cancellationToken);

    public override async Task<int> CountCodesAsync(PortalUser user, CancellationToken cancellationToken) =>
        RecoveryCodeHashes.Count(await GetTokenAsync(user, StoreProvider, RecoveryCodesName, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Takes the code out of the stored list in one conditional update of the row as it was read: of two requests racing
    /// with the same code, only one succeeds.
    /// </summary>
    public override async Task<bool> RedeemCodeAsync(PortalUser user, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var token = await FindTokenAsync(user, StoreProvider, RecoveryCodesName, cancellationToken).ConfigureAwait(false);
        if (token?.Value is not { } stored || RecoveryCodeHashes.Remove(stored, code) is not { } remaining)
        {
            return false;
        }

        var taken = await Context.UserTokens
            .Where(t => t.UserId == user.Id && t.LoginProvider == StoreProvider && t.Name == RecoveryCodesName && t.Value == stored)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.Value, remaining), cancellationToken).ConfigureAwait(false) == 1;
        await Context.Entry(token).ReloadAsync(cancellationToken).ConfigureAwait(false);
        return taken;
    }
}

/// <summary>The authenticator key's Data Protection purpose and stored form ("dp1:" and the protected key).</summary>
public sealed class AuthenticatorKeyProtection(IDataProtectionProvider protection)
{
    public const string Prefix = "dp1:";

    private readonly IDataProtector _protector = protection.CreateProtector("Qtsp.Portal.Account.AuthenticatorKey.v1");

    public static bool IsProtected(string? stored) => stored is not null && stored.StartsWith(Prefix, StringComparison.Ordinal);

    public string? Protect(string? key) => string.IsNullOrEmpty(key) ? key : Prefix + _protector.Protect(key);

    /// <summary>The key; null for a value that is not in the protected form (it is never taken as a key in clear).</summary>
    public string? Unprotect(string? stored) => IsProtected(stored) ? _protector.Unprotect(stored![Prefix.Length..]) : null;
}

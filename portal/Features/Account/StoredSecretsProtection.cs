using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// At start: second-factor secrets stored in clear before <see cref="PortalUserStore"/> (authenticator keys, recovery
/// codes) are converted to their protected form in place, so existing enrolments keep working.
/// </summary>
public static partial class StoredSecretsProtection
{
    public static async Task ProtectStoredAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var keys = new AuthenticatorKeyProtection(scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>());
        await using var db = await factory.CreateDbContextAsync().ConfigureAwait(false);
        DatabaseSecrets.OverwriteDeletedContent(db);
        var rows = await db.UserTokens
            .Where(t => t.LoginProvider == PortalUserStore.StoreProvider
                && (t.Name == PortalUserStore.AuthenticatorKeyName || t.Name == PortalUserStore.RecoveryCodesName))
            .ToListAsync().ConfigureAwait(false);
        var converted = 0;
        foreach (var row in rows.Where(r => !string.IsNullOrEmpty(r.Value)))
        {
            if (row.Name == PortalUserStore.AuthenticatorKeyName && !AuthenticatorKeyProtection.IsProtected(row.Value))
            {
                row.Value = keys.Protect(row.Value);
                converted++;
            }
            else if (row.Name == PortalUserStore.RecoveryCodesName && !RecoveryCodeHashes.IsHashed(row.Value))
            {
                row.Value = RecoveryCodeHashes.Hash(row.Value!.Split(';', StringSplitOptions.RemoveEmptyEntries));
                converted++;
            }
        }

        if (converted > 0)
        {
            await db.SaveChangesAsync().ConfigureAwait(false);
            var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StoredSecretsProtection));
            LogConverted(logger, converted);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Protected {Count} second-factor secrets that were stored in clear")]
    private static partial void LogConverted(ILogger logger, int count);
}

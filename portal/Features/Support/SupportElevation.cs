using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;

namespace Qtsp.Portal.Features.Support;

/// <summary>
/// Destructive actions (revocation, blocking, binding cancellation) in a support session: refused unless the staff
/// member holds the elevated permission and confirms again with a fresh code from their authenticator — each code
/// authorises one action only (<see cref="OneTimeCodes"/>). Outside a support session nothing changes.
/// </summary>
public sealed class SupportElevation(OneTimeCodes codes, AuditTrail audit)
{
    public const string NotPermitted = "Support.Elevation.NotPermitted";
    public const string CodeRequired = "Support.Elevation.CodeRequired";
    public const string CodeWrong = "Support.Elevation.CodeWrong";

    /// <summary>Null when <paramref name="actor"/> may go on with <paramref name="action"/>; otherwise the message key of the refusal.</summary>
    public async Task<string?> CheckAsync(Actor actor, string? confirmationCode, string action, string subject)
    {
        if (actor.Support is not { } support)
        {
            return null;
        }

        if (!support.MayElevate)
        {
            await audit.RecordAsync(actor, AuditActions.SupportElevationRefused, subject, new { action, reason = "no-permission" }).ConfigureAwait(false);
            return NotPermitted;
        }

        var code = TotpCode.Normalize(confirmationCode);
        if (code is null)
        {
            return CodeRequired;
        }

        if (!await codes.VerifyOnceAsync(support.StaffUserId, code).ConfigureAwait(false))
        {
            // A wrong code, a code used before (or an older one) and a locked-out account read alike; wrong codes count towards the lock-out.
            await audit.RecordAsync(actor, AuditActions.SupportElevationRefused, subject, new { action, reason = "wrong-code" }).ConfigureAwait(false);
            return CodeWrong;
        }

        await audit.RecordAsync(actor, AuditActions.SupportElevationConfirmed, subject, new { action }).ConfigureAwait(false);
        return null;
    }
}

/// <summary>A TOTP code as people type it ("123 456", "123-456").</summary>
public static class TotpCode
{
    /// <summary>The six digits, or null when the input is not a six-digit code.</summary>
    public static string? Normalize(string? input)
    {
        if (input is null || input.Length > 32)
        {
            return null;
        }

        var digits = new string(input.Where(c => c is not ' ' and not '-').ToArray());
        return digits.Length == 6 && digits.All(char.IsAsciiDigit) ? digits : null;
    }
}

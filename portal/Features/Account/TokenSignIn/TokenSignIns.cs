using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Hosting;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Features.Account;

/// <summary>What the sign-in page posts after the agent answered its challenge (all of it from the browser: checked here).</summary>
public sealed record TokenAnswer(string? Challenge, string? Certificate, string? Signature, string? Algorithm);

public enum TokenSignInOutcome
{
    SignedIn,

    /// <summary>The challenge was altered, expired or answered before: the page shows a fresh one.</summary>
    ChallengeInvalid,

    /// <summary>The signature does not cover this portal's origin and the challenge (another site asked, or it was altered).</summary>
    SignatureInvalid,

    /// <summary>Not a certificate this CA issued and has on record (or not chaining to its root).</summary>
    CertificateUnknown,

    /// <summary>Revoked, expired or not yet valid.</summary>
    CertificateNotValid,

    /// <summary>A certificate of this CA, but not one for signing in (only a personal commercial certificate in the standard area is).</summary>
    NotForSignIn,

    /// <summary>The certificate's holder has no portal account, or one that may not sign in this way (staff) or now (locked).</summary>
    NoAccount,
}

/// <summary>
/// Signing in with the certificate on the token (holders): the agent signed SHA-256(origin) || SHA-256(nonce) for a
/// challenge this portal issued, with the standard area's authentication key after the PIN was proven on the device. The
/// portal checks the challenge (once, in time), the signature for its own origin, the certificate (this CA's record,
/// chain, status now, a commercial certificate for signing) and the account of its holder. Possession of the device and
/// knowledge of its PIN are two factors: the session counts as multi-factor ("hwk", "pin", "mfa").
/// </summary>
public sealed class TokenSignIns(
    TokenChallenges challenges,
    CertificatesOfRecord records,
    DataAccess data,
    PortalSignInManager signIn,
    AuditTrail audit,
    SignInDelays delays,
    TimeProvider time)
{
    /// <summary>Roles that sign in with a password and their own authenticator only: staff act for the CA, not as holders.</summary>
    private static readonly string[] PasswordOnlyRoles = [PortalRoles.Support, PortalRoles.RaOperator, PortalRoles.Admin];

    public async Task<TokenSignInOutcome> SignInAsync(TokenAnswer answer, string portalOrigin, IPAddress? address)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var (outcome, certificate, user) = await CheckAsync(answer, portalOrigin).ConfigureAwait(false);
        if (user is null)
        {
            delays.Failed(address);
            await audit.RecordAsync(AuditTrail.Anonymous, null, null, AuditActions.TokenSignInRefused,
                certificate is null ? null : AuditSubjects.Certificate(certificate.Id), new { reason = outcome.ToString(), certificate = certificate?.SerialNumber }).ConfigureAwait(false);
            return outcome == TokenSignInOutcome.SignedIn ? TokenSignInOutcome.NoAccount : outcome;
        }

        Claim[] methods = [new(PortalClaims.AuthenticationMethods, "hwk"), new(PortalClaims.AuthenticationMethods, "pin"), new(PortalClaims.AuthenticationMethods, PortalClaims.MultiFactor)];
        await signIn.SignInWithClaimsAsync(user, isPersistent: false, methods).ConfigureAwait(false);
        await audit.RecordAsync(user.UserName!, null, null, AuditActions.SignedIn, AuditSubjects.User(user.UserName!),
            new { secondFactor = true, method = "token", certificate = certificate!.SerialNumber }).ConfigureAwait(false);
        return TokenSignInOutcome.SignedIn;
    }

    private async Task<(TokenSignInOutcome, Certificate?, PortalUser?)> CheckAsync(TokenAnswer answer, string portalOrigin)
    {
        var (nonce, refusal) = await challenges.SpendAsync(answer.Challenge).ConfigureAwait(false);
        if (refusal is not null || nonce is null)
        {
            return (TokenSignInOutcome.ChallengeInvalid, null, null);
        }

        if (Decode(answer.Certificate) is not { } der || Decode(answer.Signature) is not { } signature)
        {
            return (TokenSignInOutcome.SignatureInvalid, null, null);
        }

        X509Certificate2 presented;
        try
        {
            presented = X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException)
        {
            return (TokenSignInOutcome.CertificateUnknown, null, null);
        }

        using (presented)
        {
            // Signed for this portal's own origin: an answer a page of another site obtained does not verify here.
            if (!BridgeSignatures.Verify(presented.PublicKey, answer.Algorithm, ChallengeSigned.SignedValue(portalOrigin, nonce), signature))
            {
                return (TokenSignInOutcome.SignatureInvalid, null, null);
            }

            var check = await records.CheckAsync(presented, time.GetUtcNow()).ConfigureAwait(false);
            var outcome = check switch
            {
                { Record: null } or { Refusal: RecordRefusal.ChainInvalid } => TokenSignInOutcome.CertificateUnknown,
                { Refusal: RecordRefusal.NotValid } => TokenSignInOutcome.CertificateNotValid,
                { Refusal: RecordRefusal.NotForSigning } => TokenSignInOutcome.NotForSignIn,
                { Record.Type: not CertificateType.Commercial } => TokenSignInOutcome.NotForSignIn,
                _ => TokenSignInOutcome.SignedIn,
            };
            if (outcome != TokenSignInOutcome.SignedIn)
            {
                return (outcome, check.Record, null);
            }

            var user = await HolderAccountAsync(check.Record!.ApplicantId).ConfigureAwait(false);
            return (user is null ? TokenSignInOutcome.NoAccount : TokenSignInOutcome.SignedIn, check.Record, user);
        }
    }

    private async Task<PortalUser?> HolderAccountAsync(long? applicantId)
    {
        if (applicantId is null)
        {
            return null;
        }

        var accounts = await data.RunAsync(db => db.Users.Where(u => u.ApplicantId == applicantId).OrderBy(u => u.Id).Take(2).ToListAsync()).ConfigureAwait(false);
        if (accounts is not [var user])
        {
            return null; // none, or an ambiguity nobody should resolve by guessing
        }

        if (await signIn.UserManager.IsLockedOutAsync(user).ConfigureAwait(false) || !await signIn.CanSignInAsync(user).ConfigureAwait(false))
        {
            return null;
        }

        var roles = await signIn.UserManager.GetRolesAsync(user).ConfigureAwait(false);
        return roles.Any(PasswordOnlyRoles.Contains) ? null : user;
    }

    private static byte[]? Decode(string? base64)
    {
        if (string.IsNullOrEmpty(base64) || base64.Length > 16_384)
        {
            return null;
        }

        var bytes = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, bytes, out var written) ? bytes[..written] : null;
    }
}

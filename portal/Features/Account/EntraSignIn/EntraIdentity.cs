using System.Security.Claims;
using Microsoft.Identity.Web;

namespace Qtsp.Portal.Features.Account.EntraSignIn;

/// <summary>
/// The person Microsoft Entra ID signed in, from the ID token its handler validated (signature, issuer, audience, nonce):
/// their directory ("tid") and their object id in it ("oid"), which together name them for good — e-mail addresses and
/// names change and are never used to find an account.
/// </summary>
public sealed record EntraIdentity(string TenantId, string ObjectId, string? UserName, bool MultiFactor)
{
    private const string MappedAuthenticationMethods = "http://schemas.microsoft.com/claims/authnmethodsreferences";

    /// <summary>A GUID in its 36-character form.</summary>
    public const int IdLength = 36;

    /// <summary>The identity in <paramref name="principal"/>, or null when its tenant or object id is missing or not a GUID.</summary>
    public static EntraIdentity? From(ClaimsPrincipal? principal)
    {
        // Identity.Web's readers know both spellings: the token's own ("tid", "oid") and the mapped claim types.
        if (principal is null || NormalizeId(principal.GetTenantId()) is not { } tenant || NormalizeId(principal.GetObjectId()) is not { } objectId)
        {
            return null;
        }

        var userName = principal.FindFirstValue("preferred_username") ?? principal.FindFirstValue("name");
        // The directory says it checked a second factor (RFC 8176 "mfa"); otherwise the portal asks for its own.
        var multiFactor = principal.HasClaim(PortalClaims.AuthenticationMethods, PortalClaims.MultiFactor)
            || principal.HasClaim(MappedAuthenticationMethods, PortalClaims.MultiFactor);
        return new EntraIdentity(tenant, objectId, userName is { Length: <= 256 } ? userName : null, multiFactor);
    }

    /// <summary>A tenant or object id in one spelling (lower-case GUID with dashes), or null when it is not one.</summary>
    public static string? NormalizeId(string? value) =>
        Guid.TryParse(value?.Trim(), out var id) && id != Guid.Empty ? id.ToString("D") : null;
}

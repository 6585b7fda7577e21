using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Qtsp.Portal.Features.Account.EntraSignIn;

/// <summary>
/// The issuer rule of a multi-tenant Entra app: an ID token's "iss" must be the directory instance's issuer of the very
/// tenant the token names in "tid" (<c>{instance}{tid}/v2.0</c>), and with a configured tenant (not "organizations")
/// that tenant only. Identity.Web's own validator (AadIssuerValidator) applies the same rule but only to Microsoft's
/// clouds — it refuses any other instance (IDX40001), including the loopback directory the tests sign in with — so the
/// portal uses this one everywhere, and the tests exercise what production runs.
/// </summary>
public static class EntraIssuer
{
    public static IssuerValidator For(string instance, string? configuredTenant)
    {
        var root = instance.TrimEnd('/');
        var onlyTenant = EntraIdentity.NormalizeId(configuredTenant);
        return (issuer, token, _) =>
        {
            var tenant = token is JsonWebToken jwt && jwt.TryGetPayloadValue<string>("tid", out var tid) ? EntraIdentity.NormalizeId(tid) : null;
            if (tenant is null || (onlyTenant is not null && tenant != onlyTenant) || !string.Equals(issuer, $"{root}/{tenant}/v2.0", StringComparison.Ordinal))
            {
                throw new SecurityTokenInvalidIssuerException("The ID token's issuer is not the directory of the tenant it names.") { InvalidIssuer = issuer };
            }

            return issuer;
        };
    }
}

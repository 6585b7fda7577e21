using Microsoft.AspNetCore.Authorization;
using System.Security.Claims;

namespace Qtsp.Portal.Features.Account;

/// <summary>Part of every policy: an account in a role that requires a second factor must have signed in with one.</summary>
public sealed class SecondFactorRequirement : IAuthorizationRequirement;

public sealed class SecondFactorHandler : AuthorizationHandler<SecondFactorRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SecondFactorRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated == true && SatisfiesSecondFactor(context.User))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    public static bool SatisfiesSecondFactor(ClaimsPrincipal user) =>
        !PortalRoles.SecondFactorRequired(user.FindAll(ClaimTypes.Role).Select(c => c.Value))
        || user.HasClaim(PortalClaims.AuthenticationMethods, PortalClaims.MultiFactor);
}

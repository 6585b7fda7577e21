using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Qtsp.Portal.Features.Account.EntraSignIn;

/// <summary>
/// The browser's way through the Entra sign-in: start (sign-in or linking), and the return after the directory's
/// answer was validated by the handler and put into the external cookie — which is read once and removed here.
/// </summary>
public static class EntraEndpoints
{
    public const string SignInPath = "/account/entra/sign-in";
    public const string LinkPath = "/account/entra/link";
    public const string DonePath = "/account/entra/done";

    /// <summary>The account a linking challenge was started for (kept in the handler's protected state).</summary>
    public const string LinkItem = "qtsp.entra.link";

    /// <summary>The sign-in record of the browser session that started the linking: only that session may finish it.</summary>
    public const string LinkSessionItem = "qtsp.entra.session";

    public static IEndpointRouteBuilder MapEntraEndpoints(this IEndpointRouteBuilder endpoints)
    {
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<EntraSettings>>().Value.Enabled)
        {
            return endpoints;
        }

        // A link, not a form: starting a sign-in changes nothing, and the page's form-action stays the portal's own.
        endpoints.MapGet(SignInPath, (string? returnUrl) => Results.Challenge(
            new AuthenticationProperties { RedirectUri = $"{DonePath}?returnUrl={Uri.EscapeDataString(AccountPaths.LocalOrHome(returnUrl))}" },
            [EntraSetup.Scheme])).AllowAnonymous();

        // A form post (antiforgery-checked because it binds a form field) of the signed-in representative's account page.
        endpoints.MapPost(LinkPath, async ([FromForm] string? confirm, CurrentActor current, HttpContext http) =>
        {
            var actor = await current.GetAsync().ConfigureAwait(false);
            if (actor is null || !actor.IsRepresentative || actor.Support is not null)
            {
                return Results.Redirect($"{AccountPaths.Account}?entra={EntraLinkOutcome.NotPermitted}");
            }

            var properties = new AuthenticationProperties { RedirectUri = DonePath };
            properties.Items[LinkItem] = actor.UserId;
            properties.Items[LinkSessionItem] = SignInSessions.TokenOf(http.User);
            return Results.Challenge(properties, [EntraSetup.Scheme]);
        });

        endpoints.MapGet(DonePath, async (string? returnUrl, HttpContext http, EntraSignIns entra, CurrentActor current) =>
        {
            var external = await http.AuthenticateAsync(IdentityConstants.ExternalScheme).ConfigureAwait(false);
            await http.SignOutAsync(IdentityConstants.ExternalScheme).ConfigureAwait(false);
            if (!external.Succeeded)
            {
                return Results.Redirect($"{AccountSetup.LoginPath}?entra={EntraSignInOutcome.Failed}");
            }

            var identity = EntraIdentity.From(external.Principal);
            if (external.Properties?.Items.TryGetValue(LinkItem, out var linkFor) == true)
            {
                var actor = await current.GetAsync().ConfigureAwait(false);
                var sameSession = actor is not null && actor.UserId == linkFor
                    && external.Properties.Items.TryGetValue(LinkSessionItem, out var session) && session is not null
                    && session == SignInSessions.TokenOf(http.User)
                    && http.User.FindFirstValue(ClaimTypes.NameIdentifier) == linkFor;
                var linked = sameSession ? await entra.LinkAsync(actor!, identity).ConfigureAwait(false) : EntraLinkOutcome.NotPermitted;
                return Results.Redirect($"{AccountPaths.Account}?entra={linked}");
            }

            var outcome = await entra.SignInAsync(identity, http.Connection.RemoteIpAddress).ConfigureAwait(false);
            var target = AccountPaths.LocalOrHome(returnUrl);
            return outcome switch
            {
                EntraSignInOutcome.SignedIn => Results.Redirect(target),
                EntraSignInOutcome.SecondFactorRequired => Results.Redirect($"/account/two-factor?returnUrl={Uri.EscapeDataString(target)}"),
                _ => Results.Redirect($"{AccountSetup.LoginPath}?entra={outcome}"),
            };
        }).AllowAnonymous();
        return endpoints;
    }
}

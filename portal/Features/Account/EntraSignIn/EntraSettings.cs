namespace Qtsp.Portal.Features.Account.EntraSignIn;

/// <summary>
/// The portal's app registration in Microsoft Entra ID (section "Entra", read by Microsoft.Identity.Web as its
/// MicrosoftIdentityOptions). Sign-in with Entra exists only when <see cref="ClientId"/> is set. The portal is one
/// multi-tenant app ("organizations"); which tenant may sign in for which organisation is the organisation's record.
/// </summary>
public sealed class EntraSettings
{
    public const string Section = "Entra";

    public string? Instance { get; set; } = "https://login.microsoftonline.com/";

    public string? TenantId { get; set; } = "organizations";

    public string? ClientId { get; set; }

    /// <summary>Only a directory on loopback (tests) may publish its metadata over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>The origin the browser is sent to for the sign-in (the Content-Security-Policy's form-action admits it).</summary>
    public string? AuthorityOrigin =>
        Enabled && Uri.TryCreate(Instance, UriKind.Absolute, out var instance) ? instance.GetLeftPart(UriPartial.Authority) : null;
}

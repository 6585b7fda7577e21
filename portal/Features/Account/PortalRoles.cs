namespace Qtsp.Portal.Features.Account;

/// <summary>The portal's roles. Representatives and staff must sign in with a second factor (TOTP).</summary>
public static class PortalRoles
{
    public const string Holder = "Holder";
    public const string CompanyRepresentative = "CompanyRepresentative";
    public const string Support = "Support";
    public const string RaOperator = "RaOperator";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Holder, CompanyRepresentative, Support, RaOperator, Admin];

    /// <summary>Roles whose accounts may not sign in with a password alone.</summary>
    public static readonly IReadOnlySet<string> RequireSecondFactor = new HashSet<string>(StringComparer.Ordinal)
    {
        CompanyRepresentative, Support, RaOperator, Admin,
    };

    public static bool SecondFactorRequired(IEnumerable<string> roles) => roles.Any(RequireSecondFactor.Contains);
}

/// <summary>Claims the portal adds to accounts.</summary>
public static class PortalClaims
{
    /// <summary>A permission granted to one account (user claim), e.g. <see cref="SupportDestructive"/>.</summary>
    public const string Permission = "qtsp:permission";

    /// <summary>A support staff member may, after confirming again, revoke, block or cancel bindings in a customer's session.</summary>
    public const string SupportDestructive = "support.destructive";

    /// <summary>Authentication method references (RFC 8176) of the sign-in; "mfa" after the second factor.</summary>
    public const string AuthenticationMethods = "amr";

    public const string MultiFactor = "mfa";

    /// <summary>The random id of the sign-in's server-side record (<see cref="SignInSessions"/>); only its hash is stored.</summary>
    public const string SessionId = "qtsp:sid";
}

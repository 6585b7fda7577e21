using Qtsp.Portal.Infrastructure.Hosting;

namespace Qtsp.Portal.Features.Account;

public static class AccountPaths
{
    public const string Account = "/account";

    /// <summary>A return address inside the portal (<see cref="LocalReturnUrl"/>) other than the account pages, or the home page.</summary>
    public static string LocalOrHome(string? url) =>
        LocalReturnUrl.Of(url) is { } local && !local.StartsWith("/account/", StringComparison.OrdinalIgnoreCase) ? local : "/";
}

namespace Qtsp.Portal.Features.Account;

public static class AccountPaths
{
    /// <summary>A return address inside the portal, or the home page (never another site: "//evil", "/\evil", control characters).</summary>
    public static string LocalOrHome(string? url) =>
        !string.IsNullOrEmpty(url) && url.Length <= 2048 && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl) && !url.StartsWith("/account/", StringComparison.OrdinalIgnoreCase)
            ? url
            : "/";
}

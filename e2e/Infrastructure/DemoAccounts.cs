using System.Text.RegularExpressions;

namespace Qtsp.E2E.Infrastructure;

/// <summary>One demo account; <see cref="AuthenticatorKey"/> is known once a test has enrolled its authenticator.</summary>
public sealed class DemoAccount(string role, string userName, string password)
{
    public string Role { get; } = role;

    public string UserName { get; } = userName;

    public string Password { get; } = password;

    public string? AuthenticatorKey { get; set; }
}

/// <summary>The demo accounts block the portal prints at first start (eng/run.sh shows it to the person running the demo).</summary>
public sealed partial class DemoAccounts
{
    private readonly Dictionary<string, DemoAccount> _byRole;

    private DemoAccounts(Dictionary<string, DemoAccount> byRole) => _byRole = byRole;

    public DemoAccount Holder => this["Holder"];

    public DemoAccount Representative => this["CompanyRepresentative"];

    public DemoAccount Support => this["Support"];

    public DemoAccount RaOperator => this["RaOperator"];

    public DemoAccount this[string role] => _byRole.TryGetValue(role, out var account)
        ? account
        : throw new InvalidOperationException($"The portal printed no demo account for {role}.");

    public static DemoAccounts Parse(string output)
    {
        var start = output.IndexOf("Demo accounts", StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException("The portal did not print its demo accounts:\n" + output);
        }

        var accounts = AccountLine().Matches(output[start..])
            .Select(m => new DemoAccount(m.Groups["role"].Value, m.Groups["user"].Value, m.Groups["password"].Value))
            .ToDictionary(a => a.Role);
        return new DemoAccounts(accounts);
    }

    // The cluster command prefixes each instance's lines with its name ("[portal-1] ").
    [GeneratedRegex(@"^(?:\[portal-\d+\] )?\s{4}(?<role>Holder|CompanyRepresentative|Support|RaOperator|Admin)\s+(?<user>\S+)\s+(?<password>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex AccountLine();
}

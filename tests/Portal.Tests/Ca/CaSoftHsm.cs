using Qtsp.Portal.Ca.Pkcs11;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Ca;

/// <summary>
/// The one SoftHSM2 store the CA tests load in-process. SoftHSM reads SOFTHSM2_CONF once, at the process's C_Initialize,
/// and sees only the tokens that exist then, so every token a test needs is made here, by softhsm2-util, before the
/// first CA opens the module.
/// </summary>
public sealed class CaSoftHsm
{
    public const string Pin = "ca-pin-31415";
    public const string SoPin = "ca-so-pin-27182";

    public const string IssuingToken = "ca-issue";
    public const string RestartToken = "ca-restart";
    public const string MissingKeyToken = "ca-missing-key";
    public const string RaceToken = "ca-race";
    public const string WrongPinToken = "ca-wrong-pin";
    public const string BenchmarkRsaToken = "ca-bench-rsa";
    public const string BenchmarkEcToken = "ca-bench-ec";

    /// <summary>The token of every portal the tests start (<see cref="Hosting.PortalServer"/>): each makes its own CA certificates over its keys.</summary>
    public const string PortalHostToken = "portal-host";

    private static readonly string[] Tokens = [IssuingToken, RestartToken, MissingKeyToken, RaceToken, WrongPinToken, BenchmarkRsaToken, BenchmarkEcToken, PortalHostToken];

    private static readonly Lazy<Task<CaSoftHsm>> Instance = new(CreateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private CaSoftHsm(SoftHsmWorkspace workspace, IReadOnlyList<SoftHsmToken> tokens)
    {
        Workspace = workspace;
        TokenList = tokens;
    }

    public SoftHsmWorkspace Workspace { get; }

    public IReadOnlyList<SoftHsmToken> TokenList { get; }

    public static Task<CaSoftHsm> GetAsync() => Instance.Value;

    public SoftHsmToken Token(string label) => TokenList.Single(t => t.Label == label);

    /// <summary>pkcs11-tool's view of a token's objects, logged in (private keys included).</summary>
    public async Task<string> ListObjectsAsync(string label)
    {
        var slot = Token(label).SlotId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (await Workspace.Pkcs11ToolCheckedAsync(["--slot", slot, "--login", "--pin", Pin, "--list-objects"])).Output;
    }

    public Task<ProcessResult> Pkcs11ToolOnTokenAsync(string label, params string[] arguments)
    {
        var slot = Token(label).SlotId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Workspace.Pkcs11ToolCheckedAsync(["--slot", slot, "--login", "--pin", Pin, .. arguments]);
    }

    private static async Task<CaSoftHsm> CreateAsync()
    {
        var workspace = SoftHsmWorkspace.Create("ca-softhsm");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => workspace.Dispose();
        foreach (var label in Tokens)
        {
            await workspace.InitTokenAsync(label, SoPin, Pin);
        }

        var tokens = await workspace.ListTokensAsync();
        NativeEnvironment.Set("SOFTHSM2_CONF", workspace.ConfigPath);
        return new CaSoftHsm(workspace, tokens);
    }
}

/// <summary>The CA test classes share one SoftHSM store and its process-wide logins: they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class CaOnSoftHsm
{
    public const string Name = "CA on SoftHSM";
}

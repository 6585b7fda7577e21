namespace Qtsp.TestSupport;

/// <summary>
/// The demo eToken 5110 CC of the README's run command (eng/demo-device.sh), created in a directory of
/// its own: two SoftHSM2 tokens presented by the PKCS#11 simulator as one device.
/// </summary>
public sealed class DemoDevice
{
    public const string Pin = "1234";
    public const string Puk = "12341234";
    public const string QPin = "123456";
    public const string QPuk = "123456";
    public const string StandardLabel = "JanNovak";
    public const string QualifiedLabel = "JanNovak (Digital Signature PIN)";
    public const string Holder = "Jan Novák";

    private DemoDevice(string directory) => Directory = directory;

    public string Directory { get; }

    public string SoftHsmConfig => Path.Combine(Directory, "softhsm2.conf");

    public string SimulatorConfig => Path.Combine(Directory, "p11sim.conf");

    public string StateDirectory => Path.Combine(Directory, "state");

    /// <summary>The serial number the simulator presents for both areas.</summary>
    public string Serial => File.ReadLines(SimulatorConfig).First(l => l.StartsWith("serial = ", StringComparison.Ordinal))["serial = ".Length..].Trim();

    /// <summary>Environment for anything loading the simulator (agent, pkcs11-tool).</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["SOFTHSM2_CONF"] = SoftHsmConfig,
        ["P11SIM_CONFIG"] = SimulatorConfig,
    };

    public static async Task<DemoDevice> CreateAsync(string directory)
    {
        await ProcessRunner.RunCheckedAsync(Path.Combine(RepositoryPaths.Root, "eng", "demo-device.sh"), [directory]).ConfigureAwait(false);
        return new DemoDevice(directory);
    }

    public async Task<SoftHsmToken> TokenAsync(string label) =>
        (await SoftHsmWorkspace.ListTokensAsync(Environment).ConfigureAwait(false)).Single(t => t.Label == label);

    /// <summary>Pulls the device out of the PC (both areas disappear), as far as the simulator's callers can tell.</summary>
    public void Unplug()
    {
        var marker = Path.Combine(StateDirectory, "unplugged", Serial);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        File.WriteAllText(marker, "");
    }

    public void PlugIn() => File.Delete(Path.Combine(StateDirectory, "unplugged", Serial));
}

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

    /// <summary>The service key's public key as the CA registered it (SubjectPublicKeyInfo, DER), from eng/demo-device.sh's export.</summary>
    public byte[] ServiceKeyPublicKey
    {
        get
        {
            var pem = File.ReadAllText(Path.Combine(Directory, "service-key.pub.pem"));
            return Convert.FromBase64String(pem[System.Security.Cryptography.PemEncoding.Find(pem).Base64Data]);
        }
    }

    /// <summary>The serial number the simulator presents for both areas.</summary>
    public string Serial => File.ReadLines(SimulatorConfig).First(l => l.StartsWith("serial = ", StringComparison.Ordinal))["serial = ".Length..].Trim();

    /// <summary>Environment for anything loading the simulator (agent, pkcs11-tool).</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["SOFTHSM2_CONF"] = SoftHsmConfig,
        ["P11SIM_CONFIG"] = SimulatorConfig,
    };

    /// <param name="withDemoCaCertificate">
    /// False: the holder's qualified key without a certificate, as the run command makes it (the portal's CA issues
    /// one, <see cref="InstallHolderCertificateAsync"/> puts it on); true: a certificate from a throwaway CA (agent tests).
    /// </param>
    /// <param name="withAuthenticationKey">Also an authentication key in the standard area (the run command's device), for the portal to certify.</param>
    public static async Task<DemoDevice> CreateAsync(string directory, bool withDemoCaCertificate = true, bool withAuthenticationKey = false)
    {
        var environment = new Dictionary<string, string>();
        if (!withDemoCaCertificate)
        {
            environment["DEMO_HOLDER_CERTIFICATE"] = "none";
        }

        if (withAuthenticationKey)
        {
            environment["DEMO_HOLDER_AUTH_KEY"] = "yes";
        }

        await ProcessRunner.RunCheckedAsync(Path.Combine(RepositoryPaths.Root, "eng", "demo-device.sh"), [directory], environment).ConfigureAwait(false);
        return new DemoDevice(directory);
    }

    /// <summary>A device as the CA hands it out (only its service key), with a serial nobody used before.</summary>
    public static async Task<DemoDevice> CreateFreshAsync(string directory)
    {
        var serial = "5110CC" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5));
        await ProcessRunner.RunCheckedAsync(Path.Combine(RepositoryPaths.Root, "eng", "demo-device.sh"), [directory],
            new Dictionary<string, string> { ["DEMO_HOLDER_KEY"] = "none", ["DEMO_DEVICE_SERIAL"] = serial }).ConfigureAwait(false);
        return new DemoDevice(directory);
    }

    /// <summary>The holder's qualified public key (PEM) the portal's demo data certifies.</summary>
    public string HolderPublicKeyPath => Path.Combine(Directory, "holder.pub.pem");

    /// <summary>Where the portal writes the holder's certificate it issued at first start.</summary>
    public string HolderCertificatePath => Path.Combine(Directory, "holder.cert.der");

    /// <summary>Puts the certificate the portal issued onto the device next to the holder's key, as the run command does.</summary>
    public Task InstallHolderCertificateAsync() =>
        ProcessRunner.RunCheckedAsync(Path.Combine(RepositoryPaths.Root, "eng", "demo-device.sh"), [Directory, "--install-certificate", HolderCertificatePath]);

    /// <summary>The public key (PEM) of the holder's authentication key in the standard area, when the device has one.</summary>
    public string HolderAuthenticationPublicKeyPath => Path.Combine(Directory, "holder-auth.pub.pem");

    /// <summary>Where the portal writes the commercial certificate it issued for that key.</summary>
    public string HolderAuthenticationCertificatePath => Path.Combine(Directory, "holder-auth.cert.der");

    public Task InstallHolderAuthenticationCertificateAsync() =>
        ProcessRunner.RunCheckedAsync(Path.Combine(RepositoryPaths.Root, "eng", "demo-device.sh"), [Directory, "--install-authentication-certificate", HolderAuthenticationCertificatePath]);

    /// <summary>A demo device someone else created (the run command), by its directory.</summary>
    public static DemoDevice Open(string directory) =>
        File.Exists(Path.Combine(directory, "p11sim.conf")) ? new DemoDevice(directory) : throw new DirectoryNotFoundException($"No demo device in {directory}.");

    /// <summary>pkcs11-tool straight on SoftHSM (not through the simulator): the independent view of what the tokens hold.</summary>
    public async Task<ProcessResult> Pkcs11ToolAsync(string areaLabel, params string[] arguments)
    {
        var slot = (await TokenAsync(areaLabel).ConfigureAwait(false)).SlotId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await ProcessRunner.RunAsync("pkcs11-tool", ["--module", RepositoryPaths.SoftHsmModule, "--slot", slot, .. arguments], Environment).ConfigureAwait(false);
    }

    /// <summary>The objects pkcs11-tool lists in an area, logged in with <paramref name="pin"/> when given.</summary>
    public async Task<IReadOnlyList<Pkcs11ToolObject>> ObjectsAsync(string areaLabel, string? pin = null)
    {
        var result = pin is null ? await Pkcs11ToolAsync(areaLabel, "-O").ConfigureAwait(false) : await Pkcs11ToolAsync(areaLabel, "-O", "--login", "--pin", pin).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pkcs11-tool -O failed:\n{result.Combined}");
        }

        return Pkcs11ToolObjects.Parse(result.Output);
    }

    public async Task<SoftHsmToken> TokenAsync(string label) =>
        (await SoftHsmWorkspace.ListTokensAsync(Environment).ConfigureAwait(false)).Single(t => t.Label == label);

    /// <summary>
    /// Sets the simulator's PIN state of one area, e.g. <c>user_remaining = 1</c> (final try) or <c>user_locked = 1</c>, one per line;
    /// the simulator reads it at every call, as a chip would report its counters.
    /// </summary>
    public async Task SetPinStateAsync(string areaLabel, string counters)
    {
        var directory = System.IO.Directory.CreateDirectory(Path.Combine(StateDirectory, "counters")).FullName;
        await File.WriteAllTextAsync(Path.Combine(directory, (await TokenAsync(areaLabel).ConfigureAwait(false)).Serial), counters).ConfigureAwait(false);
    }

    /// <summary>Makes key generation, signing and login take this long, as on a real card (null: instant again).</summary>
    public void SetSlowness(TimeSpan? delay) => SetControl("delay_ms", delay is null ? null : ((int)delay.Value.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Makes the device report no free memory and refuse new objects.</summary>
    public void SetFull(bool full) => SetControl("full", full ? "" : null);

    private void SetControl(string area, string? content)
    {
        var path = Path.Combine(StateDirectory, area, Serial);
        if (content is null)
        {
            File.Delete(path);
            return;
        }

        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Pulls the device out of the PC (both areas disappear), as far as the simulator's callers can tell.</summary>
    public void Unplug() => SetControl("unplugged", "");

    public void PlugIn() => SetControl("unplugged", null);
}

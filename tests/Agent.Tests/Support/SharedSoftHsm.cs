using Qtsp.Agent.Pkcs11;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Support;

/// <summary>
/// The one SoftHSM2 store this test process loads in-process. SoftHSM reads SOFTHSM2_CONF from the native
/// environment at C_Initialize, which happens once per process, so every test that touches SoftHSM in-process
/// (binding, token reader, the agent host) uses this instance. It is created once, lazily, by whichever test
/// class asks first; all objects are written by independent tools (pkcs11-tool, openssl) before the module
/// is loaded here, so the binding is checked against another writer.
/// </summary>
/// <remarks>
/// Tokens:
/// <list type="bullet">
/// <item>Standard ("Novak"): the CA's SERVICE KEY (RSA 2048), an orphan EC key "p11#…", and a commercial
/// EC P-256 key pair (id 0B) whose certificate sits under another id (0C), so it pairs by public key only.</item>
/// <item>Qualified ("Novak (Digital Signature PIN)"): the holder's RSA 2048 key (id 01, always-authenticate)
/// and its qualified certificate (id 01) with QcCompliance and QcSSCD.</item>
/// <item>Spare ("Archive"): an unrelated token holding 65 public data objects, 64 of them labelled alike
/// (C_FindObjects batches of 64 in the binding).</item>
/// </list>
/// Login state is per token and process in PKCS#11: classes that use this store run in
/// <see cref="InProcessSoftHsm"/>, one after another.
/// </remarks>
public sealed class SharedSoftHsm
{
    public const string StandardLabel = "Novak";
    public const string QualifiedLabel = StandardLabel + " (Digital Signature PIN)";
    public const string SpareLabel = "Archive";

    public const string UserPin = "1234";
    public const string SoPin = "12341234";
    public const string QualifiedPin = "123456";
    public const string QualifiedSoPin = "654321";
    public const string SparePin = "5678";
    public const string SpareSoPin = "56785678";

    public const string ServiceKeyLabel = "SERVICE KEY";
    public const string ServiceKeyId = "5345525649434B4559";
    public const string OrphanLabel = "p11#3f2a";
    public const string OrphanId = "0A";
    public const string CommercialLabel = "Commercial";
    public const string CommercialKeyId = "0B";
    public const string CommercialCertificateId = "0C";
    public const string HolderLabel = "Jan Novak";
    public const string HolderId = "01";

    public const string RecordLabel = "record";
    public const int RecordCount = 64;
    public const string LastRecordLabel = "last record";

    private static readonly Lazy<Task<SharedSoftHsm>> Instance = new(CreateAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private SharedSoftHsm(SoftHsmWorkspace workspace) => Workspace = workspace;

    public SoftHsmWorkspace Workspace { get; }

    public static string ModulePath => RepositoryPaths.SoftHsmModule;

    public SoftHsmToken Standard { get; private set; } = null!;

    public SoftHsmToken Qualified { get; private set; } = null!;

    public SoftHsmToken Spare { get; private set; } = null!;

    /// <summary>The DER of the holder's qualified certificate as openssl wrote it.</summary>
    public byte[] QualifiedCertificate { get; private set; } = [];

    /// <summary>The DER of the commercial certificate as openssl wrote it.</summary>
    public byte[] CommercialCertificate { get; private set; } = [];

    /// <summary>SubjectPublicKeyInfo of the holder's key, as pkcs11-tool read it from the token.</summary>
    public byte[] HolderPublicKeyInfo { get; private set; } = [];

    /// <summary>SubjectPublicKeyInfo of the commercial key, as pkcs11-tool read it from the token.</summary>
    public byte[] CommercialPublicKeyInfo { get; private set; } = [];

    /// <summary>A reference to the loaded module held for the life of the process, so that no test's Dispose ever finalises it.</summary>
    internal Pkcs11Module Module { get; private set; } = null!;

    public static Task<SharedSoftHsm> GetAsync() => Instance.Value;

    public SoftHsmToken Token(string label) => label switch
    {
        StandardLabel => Standard,
        QualifiedLabel => Qualified,
        SpareLabel => Spare,
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "not a token of the shared store"),
    };

    private static async Task<SharedSoftHsm> CreateAsync()
    {
        var workspace = SoftHsmWorkspace.Create("agent-tests-softhsm");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // The module is still loaded and may touch its lock files meanwhile: try again if the first sweep loses a race.
            for (var attempt = 0; attempt < 3 && Directory.Exists(workspace.Directory); attempt++)
            {
                workspace.Dispose();
            }
        };
        var store = new SharedSoftHsm(workspace);
        try
        {
            await store.PopulateAsync().ConfigureAwait(false);
        }
        catch
        {
            workspace.Dispose(); // the exception carries the tools' output
            throw;
        }

        // Before the first C_Initialize of this process; .NET's own environment copy does not reach getenv().
        NativeEnvironment.Set("SOFTHSM2_CONF", workspace.ConfigPath);
        store.Module = Pkcs11Module.Load(ModulePath);
        return store;
    }

    private async Task PopulateAsync()
    {
        await Workspace.InitTokenAsync(StandardLabel, SoPin, UserPin).ConfigureAwait(false);
        await Workspace.InitTokenAsync(QualifiedLabel, QualifiedSoPin, QualifiedPin).ConfigureAwait(false);
        await Workspace.InitTokenAsync(SpareLabel, SpareSoPin, SparePin).ConfigureAwait(false);

        // Slot ids are derived from serials; list once more after the last initialisation.
        var tokens = await Workspace.ListTokensAsync().ConfigureAwait(false);
        Standard = tokens.Single(t => t.Label == StandardLabel);
        Qualified = tokens.Single(t => t.Label == QualifiedLabel);
        Spare = tokens.Single(t => t.Label == SpareLabel);

        var pki = Path.Combine(Workspace.Directory, "pki");
        Directory.CreateDirectory(pki);

        // Standard area: the CA's service key, an orphan left by a "failed request", a commercial key.
        await Pkcs11ToolAsync(Standard, UserPin, "--keypairgen", "--key-type", "rsa:2048", "--label", ServiceKeyLabel, "--id", ServiceKeyId, "--usage-sign", "--sensitive").ConfigureAwait(false);
        await Pkcs11ToolAsync(Standard, UserPin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", OrphanLabel, "--id", OrphanId, "--usage-sign", "--sensitive").ConfigureAwait(false);
        await Pkcs11ToolAsync(Standard, UserPin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", CommercialLabel, "--id", CommercialKeyId, "--usage-sign", "--sensitive").ConfigureAwait(false);

        // Qualified area: the holder's key, PIN for every signature.
        await Pkcs11ToolAsync(Qualified, QualifiedPin, "--keypairgen", "--key-type", "rsa:2048", "--label", HolderLabel, "--id", HolderId, "--usage-sign", "--sensitive", "--always-auth").ConfigureAwait(false);

        // Certificates made by openssl for the public keys pkcs11-tool reads off the tokens.
        var caKey = Path.Combine(pki, "ca.key");
        var caCertificate = Path.Combine(pki, "ca.pem");
        await OpensslAsync(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", caCertificate,
            "-days", "30", "-subj", "/C=CZ/O=Agent Tests/CN=Agent Tests CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign").ConfigureAwait(false);

        HolderPublicKeyInfo = await ReadPublicKeyAsync(Qualified, HolderId, pki, "holder").ConfigureAwait(false);
        CommercialPublicKeyInfo = await ReadPublicKeyAsync(Standard, CommercialKeyId, pki, "commercial").ConfigureAwait(false);

        // QcStatements: QcCompliance (0.4.0.1862.1.1) and QcSSCD (0.4.0.1862.1.4).
        QualifiedCertificate = await IssueAsync(pki, caKey, caCertificate, "holder", "/C=CZ/CN=Jan Novak", """
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,nonRepudiation
            1.3.6.1.5.5.7.1.3 = DER:30:14:30:08:06:06:04:00:8E:46:01:01:30:08:06:06:04:00:8E:46:01:04
            """).ConfigureAwait(false);
        CommercialCertificate = await IssueAsync(pki, caKey, caCertificate, "commercial", "/C=CZ/CN=Jan Novak (commercial)", """
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature
            """).ConfigureAwait(false);

        await Pkcs11ToolAsync(Qualified, QualifiedPin, "--write-object", Path.Combine(pki, "holder.der"), "--type", "cert", "--id", HolderId, "--label", HolderLabel).ConfigureAwait(false);
        await Pkcs11ToolAsync(Standard, UserPin, "--write-object", Path.Combine(pki, "commercial.der"), "--type", "cert", "--id", CommercialCertificateId, "--label", CommercialLabel).ConfigureAwait(false);

        // The spare token: more public objects than one C_FindObjects batch of the binding (64).
        var record = Path.Combine(pki, "record.txt");
        await File.WriteAllTextAsync(record, "archived record").ConfigureAwait(false);
        for (var i = 0; i < RecordCount; i++)
        {
            await Pkcs11ToolAsync(Spare, SparePin, "--write-object", record, "--type", "data", "--label", RecordLabel).ConfigureAwait(false);
        }

        await Pkcs11ToolAsync(Spare, SparePin, "--write-object", record, "--type", "data", "--label", LastRecordLabel).ConfigureAwait(false);
    }

    private async Task<byte[]> ReadPublicKeyAsync(SoftHsmToken token, string id, string directory, string name)
    {
        var der = Path.Combine(directory, name + ".pub.der");
        await Workspace.Pkcs11ToolCheckedAsync(["--slot", Slot(token), "--read-object", "--type", "pubkey", "--id", id, "--output-file", der]).ConfigureAwait(false);
        await OpensslAsync("pkey", "-pubin", "-inform", "DER", "-in", der, "-out", Path.Combine(directory, name + ".pub.pem")).ConfigureAwait(false);
        return await File.ReadAllBytesAsync(der).ConfigureAwait(false);
    }

    private static async Task<byte[]> IssueAsync(string directory, string caKey, string caCertificate, string name, string subject, string extensions)
    {
        var extensionFile = Path.Combine(directory, name + ".ext");
        var output = Path.Combine(directory, name + ".der");
        await File.WriteAllTextAsync(extensionFile, extensions + "\n").ConfigureAwait(false);
        await OpensslAsync(
            "x509", "-new", "-subj", subject, "-force_pubkey", Path.Combine(directory, name + ".pub.pem"),
            "-CA", caCertificate, "-CAkey", caKey, "-days", "30", "-extfile", extensionFile, "-outform", "DER", "-out", output).ConfigureAwait(false);
        return await File.ReadAllBytesAsync(output).ConfigureAwait(false);
    }

    private Task<ProcessResult> Pkcs11ToolAsync(SoftHsmToken token, string pin, params string[] arguments) =>
        Workspace.Pkcs11ToolCheckedAsync(["--slot", Slot(token), "--login", "--pin", pin, .. arguments]);

    private static Task<ProcessResult> OpensslAsync(params string[] arguments) => ProcessRunner.RunCheckedAsync("openssl", arguments);

    private static string Slot(SoftHsmToken token) => token.SlotId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Test classes that load SoftHSM in-process: they share its login state, so they never run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class InProcessSoftHsm
{
    public const string Name = "SoftHSM in-process";
}

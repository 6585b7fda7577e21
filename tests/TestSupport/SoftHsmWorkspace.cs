using System.Text.RegularExpressions;

namespace Qtsp.TestSupport;

/// <summary>A SoftHSM2 token store of its own (own softhsm2.conf), so tests never share tokens.</summary>
public sealed partial class SoftHsmWorkspace : IDisposable
{
    private SoftHsmWorkspace(string directory)
    {
        Directory = directory;
        ConfigPath = Path.Combine(directory, "softhsm2.conf");
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "tokens"));
        File.WriteAllText(ConfigPath, $"""
            directories.tokendir = {Path.Combine(directory, "tokens")}
            objectstore.backend = file
            log.level = ERROR
            slots.removable = true

            """);
    }

    public string Directory { get; }

    public string ConfigPath { get; }

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SOFTHSM2_CONF"] = ConfigPath };

    public static SoftHsmWorkspace Create(string purpose) => new(RepositoryPaths.NewTemporaryDirectory(purpose));

    /// <summary>Initialises a token in the next free slot and returns how SoftHSM reports it.</summary>
    public async Task<SoftHsmToken> InitTokenAsync(string label, string soPin, string userPin)
    {
        await ProcessRunner.RunCheckedAsync("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", soPin, "--pin", userPin], Environment).ConfigureAwait(false);
        return (await ListTokensAsync().ConfigureAwait(false)).Single(t => t.Label == label);
    }

    public Task<IReadOnlyList<SoftHsmToken>> ListTokensAsync() => ListTokensAsync(Environment);

    /// <summary>The initialised tokens of the SoftHSM store named by SOFTHSM2_CONF in <paramref name="environment"/>.</summary>
    public static async Task<IReadOnlyList<SoftHsmToken>> ListTokensAsync(IReadOnlyDictionary<string, string> environment)
    {
        var output = (await ProcessRunner.RunCheckedAsync("softhsm2-util", ["--show-slots"], environment).ConfigureAwait(false)).Output;
        var tokens = new List<SoftHsmToken>();
        foreach (var block in SlotBlock().Split(output).Skip(1).Chunk(2))
        {
            var slot = ulong.Parse(block[0], System.Globalization.CultureInfo.InvariantCulture);
            var serial = SerialLine().Match(block[1]).Groups[1].Value.Trim();
            var label = LabelLine().Match(block[1]).Groups[1].Value.Trim();
            if (serial.Length > 0)
            {
                tokens.Add(new SoftHsmToken(slot, label, serial));
            }
        }

        return tokens;
    }

    /// <summary>Runs pkcs11-tool against this workspace through <paramref name="module"/> (SoftHSM itself by default).</summary>
    public Task<ProcessResult> Pkcs11ToolAsync(IEnumerable<string> arguments, string? module = null, IReadOnlyDictionary<string, string>? extraEnvironment = null)
    {
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return ProcessRunner.RunAsync("pkcs11-tool", ["--module", module ?? RepositoryPaths.SoftHsmModule, .. arguments], environment);
    }

    public async Task<ProcessResult> Pkcs11ToolCheckedAsync(IEnumerable<string> arguments, string? module = null)
    {
        var result = await Pkcs11ToolAsync(arguments.ToArray(), module).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pkcs11-tool {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Combined}");
        }

        return result;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"^Slot (\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex SlotBlock();

    [GeneratedRegex(@"Serial number:[ \t]*(\S*)")]
    private static partial Regex SerialLine();

    [GeneratedRegex(@"Label:[ \t]*(.*)")]
    private static partial Regex LabelLine();
}

public sealed record SoftHsmToken(ulong SlotId, string Label, string Serial);

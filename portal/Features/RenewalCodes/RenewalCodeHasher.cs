using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.RenewalCodes;

public sealed class RenewalCodeOptions
{
    public const string Section = "RenewalCodes";

    /// <summary>
    /// The HMAC key for the codes' stored hashes (base64, at least 32 bytes), from a secret store. Without it the portal
    /// keeps a random key in <c>{Portal:DataDirectory}/renewal-codes/hash.key</c> (mode 0600) — never in the database,
    /// so a copy of the database alone does not let anyone test guesses offline.
    /// </summary>
    public string? HashKey { get; set; }

    /// <summary>How many wrong codes an address or an account may enter within <see cref="ThrottleWindow"/>.</summary>
    public int MaxWrongCodes { get; set; } = 10;

    public TimeSpan ThrottleWindow { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan ThrottleLockTime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Longest a batch may be valid for.</summary>
    public int MaxBatchValidityDays { get; set; } = 3 * 366;

    public int MaxBatchSize { get; set; } = 1000;
}

/// <summary>The stored form of a renewal code: HMAC-SHA256 under a key the database does not hold.</summary>
public sealed class RenewalCodeHasher
{
    public const int MinKeyBytes = 32;
    private readonly byte[] _key;

    public RenewalCodeHasher(IOptions<RenewalCodeOptions> options, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        _key = options.Value.HashKey is { Length: > 0 } configured
            ? Convert.FromBase64String(configured)
            : KeyFile(Path.Combine(PortalPaths.DataDirectory(configuration, environment), "renewal-codes", "hash.key"));
        if (_key.Length < MinKeyBytes)
        {
            throw new InvalidOperationException($"RenewalCodes:HashKey must be at least {MinKeyBytes} bytes.");
        }
    }

    internal RenewalCodeHasher(byte[] key) => _key = key;

    /// <summary>The hash of a code in its canonical form (<see cref="RenewalCodeFormat.Normalise"/>).</summary>
    public byte[] Hash(string normalisedCode) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes("qtsp-renewal-code:" + normalisedCode));

    private static byte[] KeyFile(string path)
    {
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(MinKeyBytes);
        try
        {
            // CreateNew: of two instances starting at once, one writes and the other reads what it wrote.
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var file = new FileStream(path, create);
            file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key)));
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            Thread.Sleep(100);
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
    }
}

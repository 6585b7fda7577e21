using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Qtsp.Portal.Ca;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Ca;

/// <summary>An embedded CA on one of the test store's tokens, with its own data folder.</summary>
public sealed class CaRig : IDisposable
{
    public const string PublicBaseUrl = "https://portal.example.test";

    private readonly List<EmbeddedCertificateAuthority> _authorities = [];

    public CaRig(string tokenLabel, CaKeyType issuingKey = CaKeyType.EcP256, CaKeyType rootKey = CaKeyType.EcP384, string pin = CaSoftHsm.Pin)
    {
        DataDirectory = RepositoryPaths.NewTemporaryDirectory("ca-data");
        Options = new CaOptions
        {
            Pkcs11 = new CaPkcs11Options { Module = RepositoryPaths.SoftHsmModule, TokenLabel = tokenLabel, Pin = pin },
            RootKey = rootKey,
            IssuingKey = issuingKey,
        };
    }

    public string DataDirectory { get; }

    public CaOptions Options { get; }

    public PkiOptions Pki { get; } = new() { PublicBaseUrl = new Uri(PublicBaseUrl) };

    public RecordedSerialNumbers Serials { get; } = new();

    /// <summary>A new CA instance over the same token and data folder: a portal (re)start.</summary>
    public EmbeddedCertificateAuthority NewAuthority()
    {
        var authority = new EmbeddedCertificateAuthority(Options, Pki, DataDirectory, Serials, TimeProvider.System, NullLogger<EmbeddedCertificateAuthority>.Instance);
        _authorities.Add(authority);
        return authority;
    }

    public void Dispose()
    {
        _authorities.ForEach(a => a.Dispose());
        RepositoryPaths.DeleteQuietly(DataDirectory);
    }
}

/// <summary>The serial numbers a test's CA gave out; a serial listed as taken up front is never given.</summary>
public sealed class RecordedSerialNumbers : IIssuedSerialNumbers
{
    public ConcurrentDictionary<string, int> Asked { get; } = new(StringComparer.Ordinal);

    public Task<bool> IsTakenAsync(string serialNumber, CancellationToken cancellationToken)
    {
        Asked.AddOrUpdate(serialNumber, 1, (_, n) => n + 1);
        return Task.FromResult(false);
    }
}

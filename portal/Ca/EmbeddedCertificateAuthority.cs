using Microsoft.Extensions.Logging;
using Qtsp.Portal.Ca.Pkcs11;

namespace Qtsp.Portal.Ca;

/// <summary>
/// The CA inside the portal: keys in a PKCS#11 token, CA certificates in {data}/ca/certificates. It starts on first
/// use (or <see cref="StartAsync"/>): opens the token, then finds the CAs or creates them under the creation lock.
/// A start that fails is tried again by the next call; it never issues with a half-started CA.
/// </summary>
public sealed partial class EmbeddedCertificateAuthority(
    CaOptions options,
    PkiOptions pki,
    string dataDirectory,
    IIssuedSerialNumbers serialNumbers,
    TimeProvider time,
    ILogger<EmbeddedCertificateAuthority> logger) : ICertificateAuthority, IDisposable
{
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly string _caDirectory = Path.Combine(dataDirectory, "ca");
    private Started? _started;

    public async Task StartAsync(CancellationToken cancellationToken = default) =>
        _ = await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);

    public async Task<IssuanceResult> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken = default)
    {
        var started = await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        return await started.Issuer.IssueAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, byte[]>> GetCaCertificatesAsync(CancellationToken cancellationToken = default)
    {
        var hierarchy = (await EnsureStartedAsync(cancellationToken).ConfigureAwait(false)).Hierarchy;
        return new[] { hierarchy.Root, hierarchy.Qualified, hierarchy.Commercial }.ToDictionary(ca => ca.Name, ca => ca.Certificate.RawData, StringComparer.Ordinal);
    }

    /// <summary>The CAs (for CRLs and OCSP) and the token holding their keys, once started.</summary>
    internal async Task<(CaHierarchy Hierarchy, CaToken Token)> GetSigningAsync(CancellationToken cancellationToken = default)
    {
        var started = await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        return (started.Hierarchy, started.Token);
    }

    internal CaOptions Options => options;

    private async Task<Started> EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _started) is { } started)
        {
            return started;
        }

        await _starting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _started ??= await StartOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _starting.Release();
        }
    }

    private async Task<Started> StartOnceAsync(CancellationToken cancellationToken)
    {
        using var creationLock = await CaCreationLock.AcquireAsync(_caDirectory, options.CreationLockTimeout, cancellationToken).ConfigureAwait(false);
        var token = CaToken.Open(SoftHsmDefaults.Apply(options.Pkcs11, _caDirectory));
        try
        {
            var hierarchy = new CaHierarchy(token, new CaCertificateStore(_caDirectory), options, pki, time, logger);
            hierarchy.LoadOrCreate();
            LogStarted(logger, token.Label);
            return new Started(token, hierarchy, new CertificateIssuer(hierarchy.Qualified, hierarchy.Commercial, options, pki, serialNumbers, time));
        }
        catch
        {
            token.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _started?.Token.Dispose();
        _starting.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded CA started on the token {TokenLabel}")]
    private static partial void LogStarted(ILogger logger, string tokenLabel);

    private sealed record Started(CaToken Token, CaHierarchy Hierarchy, CertificateIssuer Issuer);
}

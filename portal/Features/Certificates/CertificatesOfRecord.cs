using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.Certificates;

/// <summary>Why a certificate a token presented does not vouch for anyone here.</summary>
public enum RecordRefusal
{
    /// <summary>Not byte for byte a certificate this CA has on record.</summary>
    Unknown,

    /// <summary>On record, but it does not chain to this CA's root.</summary>
    ChainInvalid,

    /// <summary>Revoked, expired or not yet valid.</summary>
    NotValid,

    /// <summary>Not certified for signatures (digitalSignature or nonRepudiation).</summary>
    NotForSigning,
}

public sealed record RecordCheck(Certificate? Record, RecordRefusal? Refusal);

/// <summary>
/// Whether a certificate a token presents (signing a document, answering a sign-in challenge) is one this CA issued and
/// stands behind now: the registry's own copy byte for byte, chaining to the CA's root, valid and not revoked (the
/// registry is what OCSP and the CRL answer from), certified for signatures. Whose it is, the caller decides.
/// </summary>
public sealed class CertificatesOfRecord(DataAccess data, ICertificateAuthority authority)
{
    public async Task<RecordCheck> CheckAsync(X509Certificate2 presented, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(presented);
        var serial = presented.SerialNumber;
        var der = presented.RawData;
        var records = await data.RunAsync(db => db.Certificates.AsNoTracking().Where(c => c.SerialNumber == serial).ToListAsync()).ConfigureAwait(false);
        if (records.FirstOrDefault(c => c.Der.AsSpan().SequenceEqual(der)) is not { } record)
        {
            return new RecordCheck(null, RecordRefusal.Unknown);
        }

        if (!await ChainsToRootAsync(presented, now).ConfigureAwait(false))
        {
            return new RecordCheck(record, RecordRefusal.ChainInvalid);
        }

        if (!record.IsValidAt(now.UtcDateTime))
        {
            return new RecordCheck(record, RecordRefusal.NotValid);
        }

        var usage = presented.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault()?.KeyUsages ?? X509KeyUsageFlags.None;
        return (usage & (X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation)) == 0
            ? new RecordCheck(record, RecordRefusal.NotForSigning)
            : new RecordCheck(record, null);
    }

    private async Task<bool> ChainsToRootAsync(X509Certificate2 presented, DateTimeOffset now)
    {
        var cas = await authority.GetCaCertificatesAsync().ConfigureAwait(false);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        // Status comes from the registry, the source OCSP and the CRL answer from.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        var loaded = new List<X509Certificate2>();
        try
        {
            foreach (var (name, ca) in cas)
            {
                var certificate = X509CertificateLoader.LoadCertificate(ca);
                loaded.Add(certificate);
                (name == CaNames.Root ? chain.ChainPolicy.CustomTrustStore : chain.ChainPolicy.ExtraStore).Add(certificate);
            }

            return chain.Build(presented);
        }
        finally
        {
            foreach (var certificate in loaded)
            {
                certificate.Dispose();
            }
        }
    }
}

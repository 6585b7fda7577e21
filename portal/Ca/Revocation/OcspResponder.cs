using System.Formats.Asn1;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Qtsp.Portal.Data;
using Qtsp.Portal.Infrastructure.Observability;

namespace Qtsp.Portal.Ca.Revocation;

/// <summary>OCSPResponseStatus (RFC 6960 §4.2.1).</summary>
public enum OcspResponseStatus
{
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

/// <summary>
/// The OCSP responder (RFC 6960) of the issuing CAs. Each requested CertID is matched to the CA whose name and key hash
/// it carries (SHA-1, SHA-256, SHA-384 or SHA-512 CertIDs), and answered from the registry as it is now: good, revoked
/// (time and reason) or unknown for a serial that CA never issued. The response is signed by that CA's delegated responder
/// (<see cref="OcspResponderKeys"/>), whose certificate it includes, repeats the request's nonce and is valid for
/// <see cref="PkiOptions.OcspResponseValidity"/>. A request that does not parse gets malformedRequest; one naming no CA
/// of this portal gets unauthorized; CertIDs of another CA than the first recognised one are answered unknown.
/// </summary>
public sealed partial class OcspResponder(
    EmbeddedCertificateAuthority authority,
    IDbContextFactory<PortalDbContext> factory,
    IOptions<PkiOptions> pkiOptions,
    TimeProvider time,
    ILogger<OcspResponder> logger)
{
    public const string RequestContentType = "application/ocsp-request";
    public const string ResponseContentType = "application/ocsp-response";
    public const int MaxRequestBytes = 16 * 1024;

    private const string BasicResponseOid = "1.3.6.1.5.5.7.48.1.1";
    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Context1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag Context2 = new(TagClass.ContextSpecific, 2, isConstructed: true);

    private static readonly Dictionary<string, HashAlgorithmName> CertIdHashes = new(StringComparer.Ordinal)
    {
        ["1.3.14.3.2.26"] = HashAlgorithmName.SHA1,
        ["2.16.840.1.101.3.4.2.1"] = HashAlgorithmName.SHA256,
        ["2.16.840.1.101.3.4.2.2"] = HashAlgorithmName.SHA384,
        ["2.16.840.1.101.3.4.2.3"] = HashAlgorithmName.SHA512,
    };

    private readonly Lazy<OcspResponderKeys> _keys = new(() => new OcspResponderKeys(authority.Options, pkiOptions.Value, time));
    private Dictionary<(string Hash, string NameHash, string KeyHash), IssuingCa>? _issuers;

    /// <summary>The DER OCSPResponse to <paramref name="request"/> (a DER OCSPRequest).</summary>
    public async Task<byte[]> RespondAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        using var activity = PortalTelemetry.Source.StartActivity("ca.ocsp.respond");
        var (response, status) = await AnswerAsync(request, cancellationToken).ConfigureAwait(false);
        CaMetrics.OcspResponded(status.ToString());
        activity?.SetTag("qtsp.ocsp.status", status.ToString());
        return response;
    }

    private async Task<(byte[] Response, OcspResponseStatus Status)> AnswerAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        var parsed = OcspRequestReader.TryRead(request);
        if (parsed is null)
        {
            return (Status(OcspResponseStatus.MalformedRequest), OcspResponseStatus.MalformedRequest);
        }

        try
        {
            var (hierarchy, token) = await authority.GetSigningAsync(cancellationToken).ConfigureAwait(false);
            var issuers = _issuers ??= IssuerIndex(hierarchy);
            var matched = parsed.CertIds.Select(id => issuers.GetValueOrDefault((id.HashAlgorithm, Convert.ToHexString(id.IssuerNameHash), Convert.ToHexString(id.IssuerKeyHash)))).ToArray();
            var ca = matched.FirstOrDefault(c => c is not null);
            if (ca is null)
            {
                return (Status(OcspResponseStatus.Unauthorized), OcspResponseStatus.Unauthorized);
            }

            var serials = parsed.CertIds.Where((_, i) => matched[i] == ca).Select(id => id.SerialNumberHex).Distinct(StringComparer.Ordinal).ToList();
            var records = await LookUpAsync(ca.Certificate.Subject, serials, cancellationToken).ConfigureAwait(false);
            var responder = _keys.Value.For(ca, token);
            return (Sign(responder, parsed, matched.Select((c, i) => c == ca ? records.GetValueOrDefault(parsed.CertIds[i].SerialNumberHex) : null).ToArray()), OcspResponseStatus.Successful);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(logger, exception);
            return (Status(OcspResponseStatus.InternalError), OcspResponseStatus.InternalError);
        }
    }

    private async Task<Dictionary<string, RegistryStatus>> LookUpAsync(string issuer, List<string> serials, CancellationToken cancellationToken)
    {
        var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var rows = await db.Certificates.AsNoTracking()
                .Where(c => c.Issuer == issuer && serials.Contains(c.SerialNumber))
                .Select(c => new { c.SerialNumber, c.Status, c.RevokedAtUtc, c.RevocationReason })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            return rows.ToDictionary(r => r.SerialNumber, r => new RegistryStatus(r.Status == CertificateStatus.Revoked, r.RevokedAtUtc, r.RevocationReason), StringComparer.Ordinal);
        }
    }

    private byte[] Sign(OcspResponderKey responder, OcspRequest request, RegistryStatus?[] statuses)
    {
        var now = time.GetUtcNow();
        var thisUpdate = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var nextUpdate = thisUpdate + pkiOptions.Value.OcspResponseValidity;
        var data = new AsnWriter(AsnEncodingRules.DER);
        using (data.PushSequence())
        {
            using (data.PushSequence(Context2))
            {
                data.WriteOctetString(responder.KeyHash); // responderID byKey
            }

            data.WriteGeneralizedTime(thisUpdate, omitFractionalSeconds: true);
            using (data.PushSequence())
            {
                for (var i = 0; i < request.CertIds.Count; i++)
                {
                    using (data.PushSequence())
                    {
                        data.WriteEncodedValue(request.CertIds[i].Encoded.Span);
                        WriteStatus(data, statuses[i]);
                        data.WriteGeneralizedTime(thisUpdate, omitFractionalSeconds: true);
                        using (data.PushSequence(Context0))
                        {
                            data.WriteGeneralizedTime(nextUpdate, omitFractionalSeconds: true);
                        }
                    }
                }
            }

            if (request.NonceExtension is { } nonce)
            {
                using (data.PushSequence(Context1))
                using (data.PushSequence())
                {
                    data.WriteEncodedValue(nonce.Span);
                }
            }
        }

        var toBeSigned = data.Encode();
        var hash = HashAlgorithmName.SHA256;
        var algorithm = responder.Signer.GetSignatureAlgorithmIdentifier(hash);
        var signing = System.Diagnostics.Stopwatch.GetTimestamp();
        var signature = responder.Signer.SignData(toBeSigned, hash);
        CaMetrics.SignatureMade("ocsp", System.Diagnostics.Stopwatch.GetElapsedTime(signing));
        var basic = new AsnWriter(AsnEncodingRules.DER);
        using (basic.PushSequence())
        {
            basic.WriteEncodedValue(toBeSigned);
            basic.WriteEncodedValue(algorithm);
            basic.WriteBitString(signature);
            using (basic.PushSequence(Context0))
            using (basic.PushSequence())
            {
                basic.WriteEncodedValue(responder.Certificate.RawData);
            }
        }

        var response = new AsnWriter(AsnEncodingRules.DER);
        using (response.PushSequence())
        {
            response.WriteEnumeratedValue(OcspResponseStatus.Successful);
            using (response.PushSequence(Context0))
            using (response.PushSequence())
            {
                response.WriteObjectIdentifier(BasicResponseOid);
                response.WriteOctetString(basic.Encode());
            }
        }

        return response.Encode();
    }

    /// <summary>certStatus: good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL.</summary>
    private static void WriteStatus(AsnWriter writer, RegistryStatus? status)
    {
        if (status is null)
        {
            CaMetrics.OcspCertificateStatus("unknown");
            writer.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 2));
            return;
        }

        if (!status.Revoked)
        {
            CaMetrics.OcspCertificateStatus("good");
            writer.WriteNull(new Asn1Tag(TagClass.ContextSpecific, 0));
            return;
        }

        CaMetrics.OcspCertificateStatus("revoked");

        using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1, isConstructed: true)))
        {
            var at = DateTime.SpecifyKind(status.RevokedAtUtc ?? DateTime.UnixEpoch, DateTimeKind.Utc);
            writer.WriteGeneralizedTime(new DateTimeOffset(at.AddTicks(-(at.Ticks % TimeSpan.TicksPerSecond))), omitFractionalSeconds: true);
            if (status.Reason is { } reason && reason != RevocationReason.Unspecified)
            {
                using (writer.PushSequence(Context0))
                {
                    writer.WriteEnumeratedValue(reason);
                }
            }
        }
    }

    /// <summary>An OCSPResponse without responseBytes: the status alone.</summary>
    public static byte[] Status(OcspResponseStatus status)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEnumeratedValue(status);
        }

        return writer.Encode();
    }

    private static Dictionary<(string, string, string), IssuingCa> IssuerIndex(CaHierarchy hierarchy)
    {
        var index = new Dictionary<(string, string, string), IssuingCa>();
        foreach (var ca in new[] { hierarchy.Qualified, hierarchy.Commercial })
        {
            foreach (var (oid, hash) in CertIdHashes)
            {
                var nameHash = Convert.ToHexString(Hash(hash, ca.Certificate.SubjectName.RawData));
                var keyHash = Convert.ToHexString(Hash(hash, ca.Certificate.PublicKey.EncodedKeyValue.RawData));
                index[(oid, nameHash, keyHash)] = ca;
            }
        }

        return index;
    }

    private static byte[] Hash(HashAlgorithmName hash, byte[] data) =>
        hash == HashAlgorithmName.SHA1 ? Sha1.Of(data)
        : hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data)
        : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data)
        : SHA512.HashData(data);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering an OCSP request failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    private sealed record RegistryStatus(bool Revoked, DateTime? RevokedAtUtc, RevocationReason? Reason);
}

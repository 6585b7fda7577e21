using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Features.RenewalCodes;

/// <summary>A cloud key the signed-in holder owns, with its certificate.</summary>
public sealed record CloudKeyView(long CertificateId, string SerialNumber, string Subject, DateTime NotBeforeUtc, DateTime NotAfterUtc, bool Valid);

/// <summary>A detached CMS made with a cloud key.</summary>
public sealed record CloudSignature(byte[] Cms, string FileName);

/// <summary>
/// "Sign a file" with a key the CA holds for the holder: only its owner, outside a support session, with a certificate
/// valid now, and only after a fresh code from their authenticator — each code authorises one signature
/// (<see cref="OneTimeCodes.VerifyOnceAsync"/>: the same or an older time step is refused). The result is a detached CMS
/// SignedData (SHA-256, signing time, the signer's certificate and its issuing CA) that <c>openssl cms -verify</c>
/// accepts against the CA chain. Every signature and refusal is audited with the file's hash, never its content.
/// </summary>
public sealed class CloudSigning(DataAccess data, CurrentActor current, AuditTrail audit, OneTimeCodes codes, ICloudKeyVault vault, ICertificateAuthority authority,
    TimeProvider time)
{
    public const long MaxFileBytes = 10 * 1024 * 1024;
    public const string CodeWrong = SupportElevation.CodeWrong;
    public const string CodeRequired = SupportElevation.CodeRequired;
    public const string NotValid = "CloudSigning.NotValid";
    public const string FileMissing = "CloudSigning.FileMissing";
    public const string EnrolFirst = "CloudSigning.EnrolFirst";

    public async Task<CloudKeyView> GetAsync(long cloudKeyId)
    {
        var (_, view, _) = await OwnedAsync(cloudKeyId, "view").ConfigureAwait(false);
        return view;
    }

    public async Task<Outcome<CloudSignature>> SignAsync(long cloudKeyId, byte[]? content, string? fileName, string? confirmationCode)
    {
        var (actor, view, keyId) = await OwnedAsync(cloudKeyId, "sign").ConfigureAwait(false);
        var subject = AuditSubjects.Certificate(CertificateIdOf(view));
        if (content is null || content.Length == 0 || content.LongLength > MaxFileBytes)
        {
            return Outcome.Refused<CloudSignature>(FileMissing);
        }

        var sha256 = Convert.ToHexString(SHA256.HashData(content));
        if (!view.Valid)
        {
            await audit.RecordAsync(actor, AuditActions.CloudSignatureRefused, subject, new { serial = view.SerialNumber, reason = "NotValid", sha256 }).ConfigureAwait(false);
            return Outcome.Refused<CloudSignature>(NotValid);
        }

        if (!await codes.IsEnrolledAsync(actor.UserId).ConfigureAwait(false))
        {
            return Outcome.Refused<CloudSignature>(EnrolFirst);
        }

        if (TotpCode.Normalize(confirmationCode) is not { } code)
        {
            return Outcome.Refused<CloudSignature>(CodeRequired);
        }

        if (!await codes.VerifyOnceAsync(actor.UserId, code).ConfigureAwait(false))
        {
            await audit.RecordAsync(actor, AuditActions.CloudSignatureRefused, subject, new { serial = view.SerialNumber, reason = "wrong-code", sha256 }).ConfigureAwait(false);
            return Outcome.Refused<CloudSignature>(CodeWrong);
        }

        var der = await data.RunAsync(db => db.Certificates.AsNoTracking().Where(c => c.SerialNumber == view.SerialNumber && c.ApplicantId == actor.ApplicantId)
            .Select(c => c.Der).FirstAsync()).ConfigureAwait(false);
        using var certificate = X509CertificateLoader.LoadCertificate(der);
        var cms = await Task.Run(async () => await SignDetachedAsync(content, certificate, keyId).ConfigureAwait(false)).ConfigureAwait(false);
        await audit.RecordAsync(actor, AuditActions.CloudSignatureMade, subject, new { serial = view.SerialNumber, sha256, file = Path.GetFileName(fileName) }).ConfigureAwait(false);
        return Outcome.Done(new CloudSignature(cms, (Path.GetFileName(fileName) is { Length: > 0 } name ? name : "document") + ".p7s"));
    }

    private async Task<byte[]> SignDetachedAsync(byte[] content, X509Certificate2 certificate, string keyId)
    {
        using var publicKey = certificate.GetECDsaPublicKey() ?? throw new CryptographicException("A cloud key is EC.");
        using var key = new VaultEcdsa(vault, keyId, ECDsa.Create(publicKey.ExportParameters(false)));
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, certificate, key)
        {
            DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1"),
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        signer.SignedAttributes.Add(new Pkcs9SigningTime(time.GetUtcNow().UtcDateTime));
        foreach (var (name, ca) in await authority.GetCaCertificatesAsync().ConfigureAwait(false))
        {
            if (name != CaNames.Root)
            {
                signer.Certificates.Add(X509CertificateLoader.LoadCertificate(ca));
            }
        }

        var cms = new SignedCms(new ContentInfo(content), detached: true);
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
    }

    private static long CertificateIdOf(CloudKeyView view) => view.CertificateId;

    private async Task<(Actor Actor, CloudKeyView View, string KeyId)> OwnedAsync(long cloudKeyId, string operation)
    {
        var actor = await current.RequireAsync().ConfigureAwait(false);
        var applicantId = RenewalCodeRedemption.HolderOf(actor);
        var now = time.GetUtcNow().UtcDateTime;
        var found = applicantId is null ? null : await data.RunAsync(db => db.CloudKeys.AsNoTracking()
            .Where(k => k.Id == cloudKeyId && k.ApplicantId == applicantId && k.CertificateId != null)
            .Join(db.Certificates, k => k.CertificateId, c => c.Id, (k, c) => new { k.KeyIdHex, c.Id, c.SerialNumber, c.Subject, c.NotBeforeUtc, c.NotAfterUtc, c.Status })
            .SingleOrDefaultAsync()).ConfigureAwait(false);
        if (found is null)
        {
            throw await audit.RefuseAsync(actor, $"cloud-key:{cloudKeyId}", $"cloud-key.{operation}").ConfigureAwait(false);
        }

        var valid = found.Status == CertificateStatus.Issued && found.NotBeforeUtc <= now && now < found.NotAfterUtc;
        return (actor, new CloudKeyView(found.Id, found.SerialNumber, found.Subject, found.NotBeforeUtc, found.NotAfterUtc, valid), found.KeyIdHex);
    }
}

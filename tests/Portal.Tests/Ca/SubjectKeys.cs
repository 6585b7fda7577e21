using System.Security.Cryptography;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Ca;

/// <summary>Holders' public keys as a verified CSR carries them.</summary>
public static class SubjectKeys
{
    public static byte[] EcP256() { using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256); return key.ExportSubjectPublicKeyInfo(); }

    public static byte[] Rsa2048() { using var key = RSA.Create(2048); return key.ExportSubjectPublicKeyInfo(); }

    /// <summary>The public key of a PKCS#10 request openssl made for a key of <paramref name="algorithm"/> (genpkey options).</summary>
    public static async Task<byte[]> FromOpensslCsrAsync(params string[] algorithm)
    {
        var work = RepositoryPaths.NewTemporaryDirectory("ca-csr");
        try
        {
            await ProcessRunner.RunCheckedAsync("openssl", ["genpkey", .. algorithm, "-out", "key.pem"], workingDirectory: work);
            await ProcessRunner.RunCheckedAsync("openssl", ["req", "-new", "-key", "key.pem", "-subj", "/CN=Hostile", "-out", "req.pem"], workingDirectory: work);
            await ProcessRunner.RunCheckedAsync("openssl", ["req", "-in", "req.pem", "-verify", "-noout"], workingDirectory: work);
            var publicKey = (await ProcessRunner.RunCheckedAsync("openssl", ["req", "-in", "req.pem", "-pubkey", "-noout"], workingDirectory: work)).Output;
            return PemEncoding.Find(publicKey) is var pem ? Convert.FromBase64String(publicKey[pem.Base64Data]) : [];
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(work);
        }
    }
}

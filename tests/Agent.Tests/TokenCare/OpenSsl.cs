using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>openssl as the independent judge of what the agent produced.</summary>
internal static class OpenSsl
{
    public static async Task<bool> VerifyRequestAsync(byte[] request)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, request);
            var result = await ProcessRunner.RunAsync("openssl", ["req", "-inform", "DER", "-in", path, "-verify", "-noout"]);
            return result.ExitCode == 0 && result.Combined.Contains("verify OK", StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>openssl dgst -sha256 -verify: a PKCS#1 v1.5 (or DER ECDSA) signature by the key in <paramref name="publicKeyPem"/>.</summary>
    public static async Task<bool> VerifySignatureAsync(string publicKeyPem, byte[] data, byte[] signature)
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("openssl-verify");
        try
        {
            var key = Path.Combine(directory, "key.pem");
            var content = Path.Combine(directory, "data");
            var sig = Path.Combine(directory, "sig");
            await File.WriteAllTextAsync(key, publicKeyPem);
            await File.WriteAllBytesAsync(content, data);
            await File.WriteAllBytesAsync(sig, signature);
            var result = await ProcessRunner.RunAsync("openssl", ["dgst", "-sha256", "-verify", key, "-signature", sig, content]);
            return result.ExitCode == 0 && result.Output.Contains("Verified OK", StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The public key (PEM) openssl itself reads from a DER certificate: <c>openssl x509 -pubkey -noout</c>.</summary>
    public static async Task<string> PublicKeyOfCertificateAsync(byte[] certificate)
    {
        var directory = RepositoryPaths.NewTemporaryDirectory("openssl-pubkey");
        try
        {
            var path = Path.Combine(directory, "cert.der");
            await File.WriteAllBytesAsync(path, certificate);
            var result = await ProcessRunner.RunAsync("openssl", ["x509", "-inform", "DER", "-in", path, "-pubkey", "-noout"]);
            result.ExitCode.ShouldBe(0, result.Combined);
            return result.Output;
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

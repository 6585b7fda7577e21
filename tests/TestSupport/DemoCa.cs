namespace Qtsp.TestSupport;

/// <summary>The demo device's CA (eng/demo-device.sh made it with openssl), issuing certificates from requests with openssl.</summary>
public static class DemoCa
{
    /// <summary>QcCompliance, QcSSCD and QcType esign, as DER for openssl's extension file.</summary>
    public const string QcStatementsDer = "DER:30:29:30:08:06:06:04:00:8E:46:01:01:30:08:06:06:04:00:8E:46:01:04:30:13:06:06:04:00:8E:46:01:06:30:09:06:07:04:00:8E:46:01:06:01";

    /// <summary>Issues a certificate for a PKCS#10 request (DER) with the demo CA; qualified ones carry the QC statements.</summary>
    public static async Task<byte[]> IssueAsync(DemoDevice device, byte[] request, bool qualified)
    {
        await EnsureCaAsync(device).ConfigureAwait(false);
        var work = RepositoryPaths.NewTemporaryDirectory("demo-ca");
        try
        {
            var requestPath = Path.Combine(work, "request.der");
            var extensions = Path.Combine(work, "ext.cnf");
            var certificate = Path.Combine(work, "certificate.der");
            await File.WriteAllBytesAsync(requestPath, request).ConfigureAwait(false);
            await File.WriteAllTextAsync(extensions, qualified
                ? $"basicConstraints = critical,CA:FALSE\nkeyUsage = critical,nonRepudiation\ncertificatePolicies = 0.4.0.194112.1.2\n1.3.6.1.5.5.7.1.3 = {QcStatementsDer}\n"
                : "basicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n").ConfigureAwait(false);
            await ProcessRunner.RunCheckedAsync("openssl",
            [
                "x509", "-req", "-inform", "DER", "-in", requestPath,
                "-CA", Path.Combine(device.Directory, "ca", "ca.pem"), "-CAkey", Path.Combine(device.Directory, "ca", "ca.key"),
                "-days", "365", "-extfile", extensions, "-outform", "DER", "-out", certificate,
            ]).ConfigureAwait(false);
            return await File.ReadAllBytesAsync(certificate).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A device made as the run command makes it has no demo CA (the portal's CA certifies it): tests get one made here.</summary>
    private static async Task EnsureCaAsync(DemoDevice device)
    {
        var directory = Path.Combine(device.Directory, "ca");
        if (File.Exists(Path.Combine(directory, "ca.pem")))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        await ProcessRunner.RunCheckedAsync("openssl",
        [
            "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout", Path.Combine(directory, "ca.key"), "-out", Path.Combine(directory, "ca.pem"),
            "-days", "3650", "-subj", "/C=CZ/O=Demo Trust Services/CN=Demo Qualified CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ]).ConfigureAwait(false);
    }
}

using System.Text.RegularExpressions;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Ca;

/// <summary>openssl as the independent verifier: chain verification, the text form and the ASN.1 structure of certificates.</summary>
public static partial class OpensslJudge
{
    public static async Task<ProcessResult> VerifyAsync(byte[] root, byte[] issuing, byte[] leaf)
    {
        var work = RepositoryPaths.NewTemporaryDirectory("ca-verify");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work, "root.pem"), Pem(root));
            await File.WriteAllTextAsync(Path.Combine(work, "issuing.pem"), Pem(issuing));
            await File.WriteAllTextAsync(Path.Combine(work, "leaf.pem"), Pem(leaf));
            return await ProcessRunner.RunAsync("openssl", ["verify", "-x509_strict", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "leaf.pem"], workingDirectory: work);
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(work);
        }
    }

    public static async Task<string> TextAsync(byte[] certificate) =>
        (await ProcessRunner.RunCheckedAsync("openssl", ["x509", "-inform", "DER", "-text", "-noout"], standardInput: certificate)).Output;

    /// <summary>asn1parse of the whole certificate and of every extension's value (asn1parse does not open OCTET STRINGs itself).</summary>
    public static async Task<string> Asn1Async(byte[] certificate)
    {
        var work = RepositoryPaths.NewTemporaryDirectory("ca-asn1");
        try
        {
            var path = Path.Combine(work, "cert.der");
            await File.WriteAllBytesAsync(path, certificate);
            var outer = (await ProcessRunner.RunCheckedAsync("openssl", ["asn1parse", "-inform", "DER", "-in", path])).Output;
            var all = new System.Text.StringBuilder(outer);
            foreach (Match octets in OctetStringLine().Matches(outer))
            {
                var inner = await ProcessRunner.RunAsync("openssl", ["asn1parse", "-inform", "DER", "-in", path, "-strparse", octets.Groups[1].Value]);
                if (inner.ExitCode == 0)
                {
                    all.AppendLine("--- strparse " + octets.Groups[1].Value).Append(inner.Output);
                }
            }

            return all.ToString();
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(work);
        }
    }

    /// <summary>The OBJECT lines of asn1parse output (dotted or openssl's short name).</summary>
    public static IReadOnlyList<string> Objects(string asn1) =>
        ObjectLine().Matches(asn1).Select(m => m.Groups[1].Value.Trim()).ToArray();

    public static string Pem(byte[] der) => System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", der) + "\n";

    [GeneratedRegex(@"^\s*(\d+):.*prim: OCTET STRING", RegexOptions.Multiline)]
    private static partial Regex OctetStringLine();

    [GeneratedRegex(@"prim: OBJECT\s*:(.*)$", RegexOptions.Multiline)]
    private static partial Regex ObjectLine();
}

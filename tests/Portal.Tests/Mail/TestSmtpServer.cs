using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MimeKit;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Mail;

/// <summary>How the test SMTP server behaves (smtp_test_server.py beside this file).</summary>
public sealed record SmtpServerBehaviour
{
    /// <summary>RCPT TO addresses starting with this get 550.</summary>
    public string? RefuseRecipientsStartingWith { get; init; }

    /// <summary>Every message gets 554 after DATA.</summary>
    public bool RefuseData { get; init; }

    /// <summary>A folder: the server writes "holding" there when a message's data arrives and answers only once "release" exists.</summary>
    public string? HoldDataIn { get; init; }

    /// <summary>STARTTLS with this certificate, required before MAIL.</summary>
    public TestCertificate? Tls { get; init; }

    /// <summary>AUTH (over TLS) required with these.</summary>
    public (string User, string Password)? Login { get; init; }
}

/// <summary>What the server accepted: the envelope, whether the session was TLS and authenticated, and the message.</summary>
public sealed record ReceivedMail(string MailFrom, IReadOnlyList<string> Recipients, bool Tls, bool Authenticated, string? Login, MimeMessage Message);

/// <summary>A real SMTP server (Debian's python3-aiosmtpd) on a loopback port, in a process of its own; stopped on dispose.</summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private static readonly string Script = Path.Combine(RepositoryPaths.Root, "tests", "Portal.Tests", "Mail", "smtp_test_server.py");

    private readonly Process _process;
    private readonly string _folder;

    private TestSmtpServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static async Task<TestSmtpServer> StartAsync(int port, SmtpServerBehaviour? behaviour = null)
    {
        behaviour ??= new SmtpServerBehaviour();
        var folder = RepositoryPaths.NewTemporaryDirectory("smtp-received");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments(port, folder, behaviour))
        {
            start.ArgumentList.Add(argument);
        }

        if (behaviour.Login is { } login)
        {
            start.Environment["SMTP_TEST_USER"] = login.User;
            start.Environment["SMTP_TEST_PASSWORD"] = login.Password;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ready = await process.StandardOutput.ReadLineAsync(timeout.Token);
        if (ready != "READY")
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new InvalidOperationException(
                $"The test SMTP server did not start (needs Debian's python3-aiosmtpd: eng/prerequisites.sh test installs it): {ready} {await error}");
        }

        return new TestSmtpServer(process, folder, port);
    }

    private static IEnumerable<string> Arguments(int port, string folder, SmtpServerBehaviour behaviour)
    {
        yield return Script;
        yield return "--port";
        yield return port.ToString(CultureInfo.InvariantCulture);
        yield return "--folder";
        yield return folder;
        if (behaviour.RefuseRecipientsStartingWith is { } prefix)
        {
            yield return "--refuse-recipient";
            yield return prefix;
        }

        if (behaviour.RefuseData)
        {
            yield return "--refuse-data";
        }

        if (behaviour.HoldDataIn is { } hold)
        {
            yield return "--hold-data";
            yield return hold;
        }

        if (behaviour.Tls is { } tls)
        {
            yield return "--tls-cert";
            yield return tls.CertificatePath;
            yield return "--tls-key";
            yield return tls.KeyPath;
        }
    }

    /// <summary>Every message accepted so far, in the order it came.</summary>
    public IReadOnlyList<ReceivedMail> Received() =>
        Directory.GetFiles(_folder, "*.eml").Order(StringComparer.Ordinal).Select(path =>
        {
            using var facts = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(path, ".json")));
            var root = facts.RootElement;
            return new ReceivedMail(
                root.GetProperty("mailFrom").GetString()!,
                root.GetProperty("recipients").EnumerateArray().Select(r => r.GetString()!).ToArray(),
                root.GetProperty("tls").GetBoolean(),
                root.GetProperty("authenticated").GetBoolean(),
                root.GetProperty("login").GetString(),
                MimeMessage.Load(path));
        }).ToArray();

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>A self-signed certificate for 127.0.0.1 made with openssl for one test; its folder is removed on dispose.</summary>
public sealed class TestCertificate : IDisposable
{
    private TestCertificate(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public string CertificatePath => Path.Combine(Folder, "server.pem");

    public string KeyPath => Path.Combine(Folder, "server.key");

    public static async Task<TestCertificate> CreateAsync()
    {
        var certificate = new TestCertificate(RepositoryPaths.NewTemporaryDirectory("smtp-tls"));
        await ProcessRunner.RunCheckedAsync("openssl",
        [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", certificate.KeyPath, "-out", certificate.CertificatePath,
        ]);
        return certificate;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

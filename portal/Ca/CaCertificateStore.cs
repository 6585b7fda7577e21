using System.Security.Cryptography.X509Certificates;

namespace Qtsp.Portal.Ca;

/// <summary>
/// The CA certificates (public data) as DER files in {data}/ca/certificates/{name}.crt — the files the publication
/// serves as they are. Written to a temporary file first and moved into place, so a crash never leaves half a file.
/// </summary>
internal sealed class CaCertificateStore(string caDirectory)
{
    private readonly string _directory = Path.Combine(caDirectory, "certificates");

    public X509Certificate2? Find(string caName)
    {
        var path = PathOf(caName);
        return File.Exists(path) ? X509CertificateLoader.LoadCertificate(File.ReadAllBytes(path)) : null;
    }

    public void Save(string caName, X509Certificate2 certificate)
    {
        Directory.CreateDirectory(_directory);
        var temporary = PathOf(caName) + ".tmp";
        File.WriteAllBytes(temporary, certificate.RawData);
        File.Move(temporary, PathOf(caName), overwrite: true);
    }

    public bool Any(IEnumerable<string> caNames) => caNames.Any(name => File.Exists(PathOf(name)));

    private string PathOf(string caName) => Path.Combine(_directory, caName + ".crt");
}

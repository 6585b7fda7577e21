using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Data;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Pki;

/// <summary>One real portal on PostgreSQL for the revocation tests: its CA, its registry, and openssl in a work folder.</summary>
public sealed class PkiPortal : IAsyncLifetime
{
    private PortalServer? _server;

    public PortalServer Server => _server ?? throw new InvalidOperationException("not started");

    public TestData Data => new(Server.App.Services);

    public async Task InitializeAsync() => _server = await PortalServer.StartAsync(DatabaseProvider.PostgreSql, null);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Issues a qualified certificate through the portal's CA and records it in the registry (status Issued).</summary>
    public async Task<Certificate> IssueAsync()
    {
        var authority = Server.App.Services.GetRequiredService<ICertificateAuthority>();
        var issued = (await authority.IssueAsync(IssuanceRequests.Qualified(SubjectKeys.EcP256()))).ShouldBeOfType<IssuedCertificate>();
        var applicant = await Data.ApplicantAsync(null, "Jan");
        using var parsed = X509CertificateLoader.LoadCertificate(issued.Der);
        var certificate = Certificate.FromIssued(parsed, CertificateType.Qualified);
        certificate.ApplicantId = applicant.Id;
        await Data.DbAsync(db =>
        {
            db.Certificates.Add(certificate);
            return db.SaveChangesAsync();
        });
        return certificate;
    }

    public async Task RevokeAsync(Certificate certificate, RevocationReason reason, DateTime revokedAt, DateTime? invalidity)
    {
        await Data.DbAsync(db => db.Certificates.Where(c => c.Id == certificate.Id).ExecuteUpdateAsync(set => set
            .SetProperty(c => c.Status, CertificateStatus.Revoked)
            .SetProperty(c => c.RevokedAtUtc, revokedAt)
            .SetProperty(c => c.RevocationReason, reason)
            .SetProperty(c => c.InvalidityDateUtc, invalidity)));
        Server.App.Services.GetRequiredService<IRevocationPublisher>().Revoked(CaNames.Qualified);
    }

    public async Task<Openssl> OpensslAsync()
    {
        var cas = await Server.App.Services.GetRequiredService<ICertificateAuthority>().GetCaCertificatesAsync();
        var work = RepositoryPaths.NewTemporaryDirectory("pki");
        await File.WriteAllTextAsync(Path.Combine(work, "root.pem"), OpensslJudge.Pem(cas[CaNames.Root]));
        await File.WriteAllTextAsync(Path.Combine(work, "ca.pem"), OpensslJudge.Pem(cas[CaNames.Qualified]));
        return new Openssl(work, new Uri(Server.Address, "/pki/ocsp").AbsoluteUri);
    }
}

/// <summary>openssl in a work folder holding root.pem and ca.pem (the qualified CA).</summary>
public sealed class Openssl(string work, string ocspUrl) : IDisposable
{
    public string Work { get; } = work;

    public string OcspUrl { get; } = ocspUrl;

    public Task<ProcessResult> RunAsync(params string[] arguments) => ProcessRunner.RunAsync("openssl", arguments, workingDirectory: Work);

    public async Task<string> WriteAsync(string name, byte[] der, string label = "CERTIFICATE")
    {
        await File.WriteAllTextAsync(Path.Combine(Work, name), PemEncoding.WriteString(label, der) + "\n");
        return name;
    }

    /// <summary>`openssl ocsp` against the portal, verifying the response against the chain (no -noverify); the nonce is checked by default.</summary>
    public Task<ProcessResult> OcspAsync(params string[] target) =>
        RunAsync(["ocsp", "-issuer", "ca.pem", .. target, "-url", OcspUrl, "-CAfile", "root.pem", "-verify_other", "ca.pem"]);

    public void Dispose() => RepositoryPaths.DeleteQuietly(Work);
}

/// <summary>Reads the parts of a DER OCSPResponse the tests look at.</summary>
public static class OcspResponses
{
    /// <summary>The certificates in the BasicOCSPResponse's certs field.</summary>
    public static IReadOnlyList<byte[]> Certificates(byte[] response)
    {
        var outer = new AsnReader(response, AsnEncodingRules.DER).ReadSequence();
        _ = outer.ReadEncodedValue();
        var bytes = outer.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)).ReadSequence();
        _ = bytes.ReadObjectIdentifier();
        var basic = new AsnReader(bytes.ReadOctetString(), AsnEncodingRules.DER).ReadSequence();
        _ = basic.ReadEncodedValue();
        _ = basic.ReadEncodedValue();
        _ = basic.ReadBitString(out _);
        var certs = basic.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, true)).ReadSequence();
        var list = new List<byte[]>();
        while (certs.HasData)
        {
            list.Add(certs.ReadEncodedValue().ToArray());
        }

        return list;
    }
}

using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Ca.Revocation;
using Qtsp.Portal.Tests.Ca;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Pki;

/// <summary>The tests that reach the delegated responder keys on the shared token run one after another (rotation destroys expired ones).</summary>
[CollectionDefinition(Name)]
public sealed class PkiResponders
{
    public const string Name = "PKI responders";
}

/// <summary>
/// The delegated responder over time (a test clock): the same key and certificate while more than seven days are left,
/// a new key and certificate from the same CA after that, and the old key gone from the token once its certificate expired.
/// </summary>
[Collection(PkiResponders.Name)]
public sealed class OcspResponderRotationTests
{
    [Fact]
    public async Task The_responder_is_replaced_seven_days_before_it_expires_and_its_expired_key_is_destroyed()
    {
        var clock = new TestClock(DateTimeOffset.UtcNow);
        await using var server = await PortalServer.StartAsync(services => services.AddSingleton<TimeProvider>(clock));
        var cas = await server.App.Services.GetRequiredService<ICertificateAuthority>().GetCaCertificatesAsync();
        var work = RepositoryPaths.NewTemporaryDirectory("ocsp-rotation");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work, "ca.pem"), OpensslJudge.Pem(cas[CaNames.Qualified]));
            await ProcessRunner.RunCheckedAsync("openssl", ["ocsp", "-issuer", "ca.pem", "-serial", "0x41", "-no_nonce", "-reqout", "req.der"], workingDirectory: work);
            var request = await File.ReadAllBytesAsync(Path.Combine(work, "req.der"));
            var responder = server.App.Services.GetRequiredService<OcspResponder>();

            using var first = Responder(await responder.RespondAsync(request));
            first.NotAfter.ToUniversalTime().ShouldBeLessThanOrEqualTo(clock.GetUtcNow().UtcDateTime.AddDays(30).AddMinutes(1));

            clock.Advance(TimeSpan.FromDays(20));
            using (var same = Responder(await responder.RespondAsync(request)))
            {
                same.Thumbprint.ShouldBe(first.Thumbprint);
            }

            clock.Advance(TimeSpan.FromDays(4)); // 6 days left
            using var second = Responder(await responder.RespondAsync(request));
            second.Thumbprint.ShouldNotBe(first.Thumbprint);
            second.PublicKey.ExportSubjectPublicKeyInfo().ShouldNotBe(first.PublicKey.ExportSubjectPublicKeyInfo());
            second.Issuer.ShouldBe(first.Issuer);

            var softHsm = await CaSoftHsm.GetAsync();
            var firstLabel = Label(first);
            (await softHsm.ListObjectsAsync(CaSoftHsm.PortalHostToken)).ShouldContain(firstLabel);

            clock.Advance(TimeSpan.FromDays(24)); // the first expired, the second has 6 days left: rotation cleans up
            using var third = Responder(await responder.RespondAsync(request));
            third.Thumbprint.ShouldNotBe(second.Thumbprint);
            (await softHsm.ListObjectsAsync(CaSoftHsm.PortalHostToken)).ShouldNotContain(firstLabel);
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(work);
        }
    }

    private static X509Certificate2 Responder(byte[] response) => X509CertificateLoader.LoadCertificate(OcspResponses.Certificates(response).ShouldHaveSingleItem());

    /// <summary>The CKA_LABEL of a responder's key: "qtsp-ocsp:qualified-ca:" and the time its certificate starts (a minute after its notBefore).</summary>
    private static string Label(X509Certificate2 certificate) =>
        Encoding.ASCII.GetString(OcspResponderKeys.IdPrefixOf(CaNames.Qualified)) + certificate.NotBefore.ToUniversalTime().AddMinutes(1).ToString("yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture);
}

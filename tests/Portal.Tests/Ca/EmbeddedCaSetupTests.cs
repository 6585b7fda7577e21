using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Qtsp.Portal.Ca;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Ca;

[Collection(CaOnSoftHsm.Name)]
public sealed class EmbeddedCaSetupTests
{
    [Fact]
    public async Task AddEmbeddedCa_binds_the_configuration_touches_nothing_until_first_use_and_keeps_the_certificates_in_the_data_folder()
    {
        await CaSoftHsm.GetAsync();
        var contentRoot = RepositoryPaths.NewTemporaryDirectory("ca-setup");
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Portal:DataDirectory"] = "portal-data",
                ["Ca:Pkcs11:Module"] = RepositoryPaths.SoftHsmModule,
                ["Ca:Pkcs11:TokenLabel"] = CaSoftHsm.IssuingToken,
                ["Ca:Pkcs11:Pin"] = CaSoftHsm.Pin,
                ["Pki:PublicBaseUrl"] = "https://pki.example.test",
            }).Build();
            var services = new ServiceCollection()
                .AddLogging()
                .AddSingleton<IHostEnvironment>(new HostingEnvironment { ContentRootPath = contentRoot })
                .AddSingleton(TimeProvider.System)
                .AddEmbeddedCa(configuration)
                .AddSingleton<IIssuedSerialNumbers>(new RecordedSerialNumbers()); // the database's registry is replaced here
            await using var provider = services.BuildServiceProvider();

            var authority = provider.GetRequiredService<ICertificateAuthority>();
            authority.ShouldBeSameAs(provider.GetRequiredService<EmbeddedCertificateAuthority>());
            Directory.Exists(Path.Combine(contentRoot, "portal-data")).ShouldBeFalse();

            var leaf = (await authority.IssueAsync(IssuanceRequests.Commercial(SubjectKeys.EcP256()))).ShouldBeOfType<IssuedCertificate>();
            File.Exists(Path.Combine(contentRoot, "portal-data", "ca", "certificates", "commercial-ca.crt")).ShouldBeTrue();
            (await OpensslJudge.TextAsync(leaf.Der)).ShouldContain("CA Issuers - URI:https://pki.example.test/pki/commercial-ca.crt");
        }
        finally
        {
            RepositoryPaths.DeleteQuietly(contentRoot);
        }
    }
}

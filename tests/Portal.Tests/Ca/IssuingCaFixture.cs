using Qtsp.Portal.Ca;

namespace Qtsp.Portal.Tests.Ca;

/// <summary>One embedded CA on its own token, started once for the issuance tests.</summary>
public sealed class IssuingCaFixture : IAsyncLifetime
{
    public CaSoftHsm SoftHsm { get; private set; } = null!;

    public CaRig Rig { get; private set; } = null!;

    public EmbeddedCertificateAuthority Authority { get; private set; } = null!;

    public IReadOnlyDictionary<string, byte[]> CaCertificates { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SoftHsm = await CaSoftHsm.GetAsync();
        Rig = new CaRig(CaSoftHsm.IssuingToken);
        Authority = Rig.NewAuthority();
        CaCertificates = await Authority.GetCaCertificatesAsync();
    }

    public async Task<byte[]> IssueAsync(IssuanceRequest request)
    {
        var result = await Authority.IssueAsync(request);
        return result.ShouldBeOfType<IssuedCertificate>().Der;
    }

    public Task DisposeAsync()
    {
        Rig.Dispose();
        return Task.CompletedTask;
    }
}

using System.Text;
using Qtsp.Portal.Ca;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Ca;

/// <summary>First start, restart, two instances at once, a lost key: the CA keys and certificates as the token and openssl see them.</summary>
[Collection(CaOnSoftHsm.Name)]
public sealed class CaLifecycleTests
{
    [Fact]
    public async Task The_ca_keys_are_sensitive_non_extractable_token_keys_and_no_key_file_is_in_the_data_folder()
    {
        var softHsm = await CaSoftHsm.GetAsync();
        using var rig = new CaRig(CaSoftHsm.IssuingToken);
        await rig.NewAuthority().StartAsync();

        var listing = await softHsm.ListObjectsAsync(CaSoftHsm.IssuingToken);
        var objects = Pkcs11ToolObjects.Parse(listing);
        foreach (var name in new[] { CaNames.Root, CaNames.Qualified, CaNames.Commercial })
        {
            var id = Convert.ToHexString(Encoding.ASCII.GetBytes("qtsp:" + name));
            objects.Count(o => o.Kind == "Private Key" && o.IdHex == id).ShouldBe(1, name);
        }

        // pkcs11-tool prints each private key's access flags; every one must be sensitive and never extractable.
        var privateKeyBlocks = listing.Split("Private Key Object").Skip(1).ToArray();
        privateKeyBlocks.Length.ShouldBe(3);
        foreach (var block in privateKeyBlocks)
        {
            var access = block.Split('\n').First(l => l.Trim().StartsWith("Access:", StringComparison.Ordinal));
            access.ShouldContain("sensitive");
            access.ShouldContain("never extractable");
            access.ShouldContain("local"); // generated on the token, not imported
        }

        // What the data folder holds is public: the three CA certificates and the creation lock.
        var files = Directory.GetFiles(rig.DataDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(rig.DataDirectory, f)).Order().ToArray();
        files.ShouldBe(["ca/certificates/commercial-ca.crt", "ca/certificates/qualified-ca.crt", "ca/certificates/root-ca.crt", "ca/creation.lock"]);
        foreach (var file in Directory.GetFiles(rig.DataDirectory, "*", SearchOption.AllDirectories))
        {
            File.ReadAllText(file, Encoding.Latin1).ShouldNotContain("PRIVATE KEY");
        }
    }

    [Fact]
    public async Task A_second_start_finds_the_same_cas_and_makes_no_new_key()
    {
        var softHsm = await CaSoftHsm.GetAsync();
        using var rig = new CaRig(CaSoftHsm.RestartToken, issuingKey: CaKeyType.Rsa2048, rootKey: CaKeyType.Rsa2048);
        var first = await rig.NewAuthority().GetCaCertificatesAsync();
        var second = rig.NewAuthority();
        var again = await second.GetCaCertificatesAsync();

        again.Keys.Order().ShouldBe(first.Keys.Order());
        foreach (var (name, der) in first)
        {
            again[name].ShouldBe(der, name);
        }

        Pkcs11ToolObjects.Parse(await softHsm.ListObjectsAsync(CaSoftHsm.RestartToken)).Count(o => o.Kind == "Private Key").ShouldBe(3);
        var leaf = (await second.IssueAsync(IssuanceRequests.Commercial(SubjectKeys.Rsa2048()))).ShouldBeOfType<IssuedCertificate>().Der;
        var verify = await OpensslJudge.VerifyAsync(first[CaNames.Root], first[CaNames.Commercial], leaf);
        verify.ExitCode.ShouldBe(0, verify.Combined);
        (await OpensslJudge.TextAsync(leaf)).ShouldContain("Signature Algorithm: sha256WithRSAEncryption");
    }

    [Fact]
    public async Task Two_instances_starting_at_once_create_one_ca()
    {
        var softHsm = await CaSoftHsm.GetAsync();
        using var rig = new CaRig(CaSoftHsm.RaceToken);
        var (a, b) = (rig.NewAuthority(), rig.NewAuthority());

        var both = await Task.WhenAll(Task.Run(() => a.GetCaCertificatesAsync()), Task.Run(() => b.GetCaCertificatesAsync()));

        both[0][CaNames.Root].ShouldBe(both[1][CaNames.Root]);
        both[0][CaNames.Qualified].ShouldBe(both[1][CaNames.Qualified]);
        Pkcs11ToolObjects.Parse(await softHsm.ListObjectsAsync(CaSoftHsm.RaceToken)).Count(o => o.Kind == "Private Key").ShouldBe(3);
    }

    [Fact]
    public async Task A_key_gone_from_the_token_stops_the_start_loudly_and_no_new_ca_is_made()
    {
        var softHsm = await CaSoftHsm.GetAsync();
        using var rig = new CaRig(CaSoftHsm.MissingKeyToken);
        using (var first = rig.NewAuthority())
        {
            await first.StartAsync();
        }

        var qualifiedId = Convert.ToHexString(Encoding.ASCII.GetBytes("qtsp:" + CaNames.Qualified));
        await softHsm.Pkcs11ToolOnTokenAsync(CaSoftHsm.MissingKeyToken, "--delete-object", "--type", "privkey", "--id", qualifiedId);
        var certificateBefore = await File.ReadAllBytesAsync(Path.Combine(rig.DataDirectory, "ca", "certificates", "qualified-ca.crt"));

        var failure = await Should.ThrowAsync<CaStartupException>(() => rig.NewAuthority().StartAsync());

        failure.Message.ShouldContain(CaNames.Qualified);
        failure.Message.ShouldContain("not on the token");
        failure.Message.ShouldNotContain(CaSoftHsm.Pin);
        Pkcs11ToolObjects.Parse(await softHsm.ListObjectsAsync(CaSoftHsm.MissingKeyToken)).Count(o => o.Kind == "Private Key").ShouldBe(2);
        (await File.ReadAllBytesAsync(Path.Combine(rig.DataDirectory, "ca", "certificates", "qualified-ca.crt"))).ShouldBe(certificateBefore);
        var issuing = rig.NewAuthority().IssueAsync(IssuanceRequests.Qualified(SubjectKeys.EcP256()));
        await Should.ThrowAsync<CaStartupException>(() => issuing);
    }

    [Fact]
    public async Task A_wrong_pin_is_refused_without_the_pin_in_the_message()
    {
        await CaSoftHsm.GetAsync();
        const string wrongPin = "not-the-pin-8675309";
        using var rig = new CaRig(CaSoftHsm.WrongPinToken, pin: wrongPin);

        var failure = await Should.ThrowAsync<CaStartupException>(() => rig.NewAuthority().StartAsync());

        failure.Message.ShouldContain(CaSoftHsm.WrongPinToken);
        failure.ToString().ShouldNotContain(wrongPin);
    }
}

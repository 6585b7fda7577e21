using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Agent.Tests.Bridge;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;
using static Qtsp.Agent.Tests.TokenCare.TokenCareRig;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>
/// The agent as a hostile page or local client would try it: a second SignalR connection with the allowed Origin, on a
/// fresh demo device behind the simulator, with pkcs11-tool and openssl as the judges of what is on the device.
/// </summary>
public sealed class AgentTrustTests
{
    private const string WrongPin = "0000";
    private const string WrongQPin = "000000";
    private const string ServiceKeyId = "5345525649434B4559";

    [Fact]
    public async Task A_viewing_login_on_one_connection_lends_nothing_to_another()
    {
        await using var rig = await StartAsync();
        (await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Pin), false))).Error.ShouldBeNull();
        (await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Qualified, Codes(DemoDevice.QPin), false))).Error.ShouldBeNull();
        await using var hostile = await ConnectAsync(rig);

        var request = await InvokeAsync<KeyRequestCreated>(hostile, AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig) with { Pin = Codes(WrongPin) });
        var deletion = await InvokeAsync<int>(hostile, AgentHubContract.DeleteObjects, new ObjectDeletion(rig.DeviceId, AreaKind.Qualified, [new ObjectRef(ObjectKind.Certificate, "01", DemoDevice.Holder)], Codes(WrongQPin), false, WithKeyPairs: true));
        var challenge = await InvokeAsync<ChallengeSigned>(hostile, AgentHubContract.SignChallenge, new ChallengeSignature(rig.DeviceId, ServiceKeyId, RandomNumberGenerator.GetBytes(32), Codes(WrongPin), false));
        var viewing = await InvokeAsync<bool>(hostile, AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(WrongPin), false));

        request.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.PinIncorrect);
        deletion.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.PinIncorrect);
        challenge.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.PinIncorrect);
        viewing.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.PinIncorrect);
        (await rig.AreaAsync(AreaKind.Standard)).UserPin.State.ShouldBe(PinState.CountLow, "each wrong PIN spent a try on the device");
        var qualified = await rig.Device.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin);
        qualified.Count(o => o.Kind == "Certificate").ShouldBe(1, "nothing was deleted");
        qualified.Count(o => o.Kind == "Private Key").ShouldBe(1);
    }

    [Fact]
    public async Task Private_objects_are_shown_only_to_the_connection_that_logged_in_and_end_with_it()
    {
        await using var rig = await StartAsync();
        await using var other = await ConnectAsync(rig);
        var otherHeard = new List<IReadOnlyList<DeviceSnapshot>>();
        other.On<List<DeviceSnapshot>>(AgentHubContract.DevicesChanged, devices => { lock (otherHeard) { otherHeard.Add(devices); } });

        (await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Pin), false))).Error.ShouldBeNull();

        var mine = await rig.AreaAsync(AreaKind.Standard);
        mine.LoggedIn.ShouldBeTrue();
        mine.Keys.ShouldContain(k => k.Class == KeyClass.Private && k.Role == KeyRole.ServiceKey);
        var theirs = Standard(await InvokeAsync<List<DeviceSnapshot>>(other, AgentHubContract.GetDevices));
        theirs.LoggedIn.ShouldBeFalse();
        theirs.PrivateObjectsListed.ShouldBeFalse();
        theirs.Keys.ShouldNotContain(k => k.Class == KeyClass.Private);
        await WaitUntilAsync(() => { lock (otherHeard) { return otherHeard.Count > 0; } }); // published after the login answered
        lock (otherHeard)
        {
            otherHeard.SelectMany(d => d).SelectMany(d => d.Areas).SelectMany(a => a.Keys).ShouldNotContain(k => k.Class == KeyClass.Private);
        }

        // The page closes (the tab, or the portal session ended and the page closed its link): the login ends with it.
        await rig.Connection.StopAsync();
        await using var next = await ConnectAsync(rig);
        var afterwards = Standard(await InvokeAsync<List<DeviceSnapshot>>(next, AgentHubContract.GetDevices));
        afterwards.Keys.ShouldNotContain(k => k.Class == KeyClass.Private);
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "-O")).Output.ShouldNotContain("Private Key Object", Case.Sensitive, "pkcs11-tool without a PIN sees no private key either");
    }

    [Fact]
    public async Task An_operation_keeps_the_callers_own_viewing_login_and_ends_anyone_elses()
    {
        await using var rig = await StartAsync();
        await using var other = await ConnectAsync(rig);
        (await InvokeAsync<bool>(other, AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Pin), false))).Error.ShouldBeNull();

        (await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Pin), false))).Error.ShouldBeNull();
        var created = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig));

        created.Error.ShouldBeNull();
        (await rig.AreaAsync(AreaKind.Standard)).LoggedIn.ShouldBeTrue("the caller proved the PIN again: its view stays");
        Standard(await InvokeAsync<List<DeviceSnapshot>>(other, AgentHubContract.GetDevices)).LoggedIn.ShouldBeFalse("the other page's login was ended by the later one");
    }

    [Fact]
    public async Task The_service_key_signs_no_caller_chosen_bytes_and_only_the_registered_key_attests()
    {
        await using var rig = await StartAsync();

        var serviceKeyChallenge = await rig.InvokeAsync<ChallengeSigned>(AgentHubContract.SignChallenge, new ChallengeSignature(rig.DeviceId, ServiceKeyId, RandomNumberGenerator.GetBytes(32), Codes(DemoDevice.Pin), false));
        var qualifiedChallenge = await rig.InvokeAsync<ChallengeSigned>(AgentHubContract.SignChallenge, new ChallengeSignature(rig.DeviceId, "01", RandomNumberGenerator.GetBytes(32), Codes(DemoDevice.Pin), false));
        using var stranger = RSA.Create(2048);
        var otherKey = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig) with { ServiceKeyPublicKey = stranger.ExportSubjectPublicKeyInfo() });
        var noKey = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig) with { ServiceKeyPublicKey = null });

        serviceKeyChallenge.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.KeyNotAllowed);
        qualifiedChallenge.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.KeyNotOnDevice, "challenges are signed in the standard area only; the qualified key is not there");
        otherKey.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.ServiceKeyMissing, "the agent attests only with the key the CA registered");
        noKey.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.InvalidInput);
        (await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).Count(o => o.Kind == "Private Key").ShouldBe(1, "the refused requests left no key behind");

        // Even with a certificate put next to it behind the agent's back (pkcs11-tool), the service key answers no challenge.
        var forged = Path.Combine(RepositoryPaths.NewTemporaryDirectory("forged"), "forged.der");
        await File.WriteAllBytesAsync(forged, await ForgedServiceKeyCertificateAsync(rig));
        (await rig.Device.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--write-object", forged, "--type", "cert", "--id", ServiceKeyId)).ExitCode.ShouldBe(0);
        var withCertificate = await rig.InvokeAsync<ChallengeSigned>(AgentHubContract.SignChallenge, new ChallengeSignature(rig.DeviceId, ServiceKeyId, RandomNumberGenerator.GetBytes(32), Codes(DemoDevice.Pin), false));
        withCertificate.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.KeyNotAllowed);
    }

    [Fact]
    public async Task A_certificate_from_another_ca_for_the_service_keys_public_key_is_refused()
    {
        await using var rig = await StartAsync();
        var forged = await ForgedServiceKeyCertificateAsync(rig);

        var installed = await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.InstallCertificate, new CertificateInstall(rig.DeviceId, AreaKind.Standard, forged, Codes(DemoDevice.Pin), false));

        installed.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.ProtectedObject);
        var objects = await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin);
        objects.Where(o => o.IdHex.Equals(ServiceKeyId, StringComparison.OrdinalIgnoreCase)).Select(o => (o.Kind, o.Label))
            .ShouldBe([("Private Key", DeviceModelCatalogue.ServiceKeyLabel), ("Public Key", DeviceModelCatalogue.ServiceKeyLabel)], ignoreOrder: true);
        objects.ShouldNotContain(o => o.Kind == "Certificate");
        (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig))).Error.ShouldBeNull("the service key still attests");
    }

    [Fact]
    public async Task A_pkcs12_named_like_the_service_key_does_not_become_a_second_one()
    {
        await using var rig = await StartAsync();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={DeviceModelCatalogue.ServiceKeyLabel}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var pkcs12 = certificate.Export(X509ContentType.Pkcs12, "secret");

        var imported = await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.ImportPkcs12, new Pkcs12Import(rig.DeviceId, pkcs12, Codes("secret"), Codes(DemoDevice.Pin), false));

        imported.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.ProtectedObject);
        var objects = await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin);
        objects.Count(o => o.Label == DeviceModelCatalogue.ServiceKeyLabel && o.Kind == "Private Key").ShouldBe(1);
        objects.Count.ShouldBe(2, "only the service key's two objects are on the standard area");
    }

    [Fact]
    public async Task A_label_that_reads_as_an_area_marker_or_the_service_key_is_refused_and_the_areas_stay_apart()
    {
        await using var rig = await StartAsync();

        var marker = await rig.InvokeAsync<string>(AgentHubContract.RenameToken, new TokenRename(rig.DeviceId, "x (CC)"));
        var serviceKey = await rig.InvokeAsync<string>(AgentHubContract.RenameToken, new TokenRename(rig.DeviceId, "Servisni klic"));

        marker.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.LabelNotAllowed);
        serviceKey.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.LabelNotAllowed);
        (await rig.DeviceAsync()).Areas.Select(a => (a.Kind, a.Label)).ShouldBe([(AreaKind.Standard, DemoDevice.StandardLabel), (AreaKind.Qualified, DemoDevice.QualifiedLabel)]);

        // A label set behind the agent's back (the simulator's label file, as another vendor tool would) does not merge the
        // areas either: the module marks its qualified slot in the slot description.
        (await rig.InvokeAsync<string>(AgentHubContract.RenameToken, new TokenRename(rig.DeviceId, "Renamed"))).Error.ShouldBeNull();
        var labels = Path.Combine(rig.Device.StateDirectory, "labels");
        foreach (var file in Directory.GetFiles(labels))
        {
            var current = (await File.ReadAllTextAsync(file)).TrimEnd();
            await File.WriteAllTextAsync(file, current.Replace("Renamed", "x (CC)", StringComparison.Ordinal).PadRight(32));
        }

        var device = await WaitForAsync(rig, d => d.Areas.Any(a => a.Label.StartsWith("x (CC)", StringComparison.Ordinal)));
        device.Areas.Select(a => (a.Kind, a.Label)).ShouldBe([(AreaKind.Standard, "x (CC)"), (AreaKind.Qualified, "x (CC) (Digital Signature PIN)")]);
        device.Areas[0].Keys.ShouldContain(k => k.Role == KeyRole.ServiceKey);
    }

    [Fact]
    public async Task Wrong_unblock_codes_are_throttled_by_the_agent()
    {
        await using var rig = await StartAsync();
        var change = new PinChange(rig.DeviceId, AreaKind.Standard, PinKind.Puk, Codes("99999999"), Codes(DemoDevice.Puk), false);

        // The wrong value is recorded after the first call starts, so the agent waits at least until a second after that.
        var started = DateTime.UtcNow;
        var first = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, change);
        var burst = new List<AgentError?>();
        while (true)
        {
            var error = (await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, change)).Error;
            if (DateTime.UtcNow - started >= TimeSpan.FromSeconds(1))
            {
                break;
            }

            burst.Add(error);
        }

        first.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.PinIncorrect);
        burst.ShouldNotBeEmpty();
        burst.ShouldAllBe(e => e != null && e.Code == AgentErrorCode.TryLater && e.RetryAfterSeconds >= 1, "the next try waits, and the device is not asked");
        // Once the back-off has passed, the right code works (the call that ended the burst may have counted as one more try).
        var rightCode = change with { Current = Codes(DemoDevice.Puk) };
        var answer = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, rightCode);
        for (var waits = 0; answer.Error is { Code: AgentErrorCode.TryLater, RetryAfterSeconds: { } seconds } && waits < 3; waits++)
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds + 0.2));
            answer = await rig.InvokeAsync<PinStatus>(AgentHubContract.ChangePin, rightCode);
        }

        answer.Error.ShouldBeNull();
        (await rig.SoPinWorksAsync(DemoDevice.StandardLabel, DemoDevice.Puk)).ShouldBeTrue();
    }

    [Fact]
    public async Task Malformed_calls_are_refused_with_one_line_and_no_stack_trace()
    {
        await using var rig = await StartAsync();

        var nullCommand = await rig.Connection.InvokeCoreAsync<AgentResult<KeyRequestCreated>>(AgentHubContract.CreateKeyRequest, [null]);
        var badHex = await rig.InvokeAsync<byte[]>(AgentHubContract.GetCertificate, rig.DeviceId, AreaKind.Qualified, "zz");
        var badChallenge = await rig.InvokeAsync<ChallengeSigned>(AgentHubContract.SignChallenge, new ChallengeSignature(rig.DeviceId, "not hex", RandomNumberGenerator.GetBytes(32), Codes(DemoDevice.Pin), false));

        nullCommand.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.InvalidInput);
        badHex.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.InvalidInput);
        badChallenge.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.InvalidInput);
        await Task.Delay(200);
        rig.Agent.Output.ShouldContain("malformed");
        rig.Agent.Output.ShouldNotContain("   at ", Case.Sensitive, "no stack trace in the agent's log");
    }

    [Fact]
    public async Task A_challenge_is_bound_to_the_connections_origin_and_signed_by_the_standard_authentication_key()
    {
        await using var rig = await StartAsync();
        var created = (await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig, KeyAlgorithm.EcP256))).Value.ShouldNotBeNull();
        var certificate = await DemoCa.IssueAsync(rig.Device, created.Request, qualified: false);
        (await rig.InvokeAsync<CertificateInstalled>(AgentHubContract.InstallCertificate, new CertificateInstall(rig.DeviceId, AreaKind.Standard, certificate, Codes(DemoDevice.Pin), false))).Error.ShouldBeNull();
        var nonce = RandomNumberGenerator.GetBytes(32);

        var signed = (await rig.InvokeAsync<ChallengeSigned>(AgentHubContract.SignChallenge, new ChallengeSignature(rig.DeviceId, created.KeyIdHex, nonce, Codes(DemoDevice.Pin), false))).Value.ShouldNotBeNull();
        var shortNonce = await rig.InvokeAsync<ChallengeSigned>(AgentHubContract.SignChallenge, new ChallengeSignature(rig.DeviceId, created.KeyIdHex, RandomNumberGenerator.GetBytes(16), Codes(DemoDevice.Pin), false));

        signed.Origin.ShouldBe(TokenCareRig.Origin);
        signed.Certificate.ShouldBe(certificate);
        using var key = X509CertificateLoader.LoadCertificate(signed.Certificate).GetECDsaPublicKey().ShouldNotBeNull();
        key.VerifyData(ChallengeSigned.SignedValue(TokenCareRig.Origin, nonce), signed.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).ShouldBeTrue();
        key.VerifyData(nonce, signed.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).ShouldBeFalse("the nonce alone is not what was signed");
        key.VerifyData(ChallengeSigned.SignedValue("http://evil.example", nonce), signed.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).ShouldBeFalse();
        shortNonce.Error.ShouldNotBeNull().Code.ShouldBe(AgentErrorCode.InvalidInput);
    }

    private static AreaSnapshot Standard(AgentResult<List<DeviceSnapshot>> devices) =>
        devices.Value.ShouldNotBeNull().ShouldHaveSingleItem().Areas.Single(a => a.Kind == AreaKind.Standard);

    private static Task<HubConnection> ConnectAsync(TokenCareRig rig) => AgentHubClient.ConnectAsync(AgentHubClient.HubAddress(rig.Agent.BaseAddress), TokenCareRig.Origin);

    private static Task<AgentResult<T>> InvokeAsync<T>(HubConnection connection, string method, params object?[] arguments) =>
        connection.InvokeCoreAsync<AgentResult<T>>(method, arguments);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the other page heard nothing");
            await Task.Delay(50);
        }
    }

    private static async Task<DeviceSnapshot> WaitForAsync(TokenCareRig rig, Func<DeviceSnapshot, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var device = await rig.DeviceAsync();
            if (condition(device) || DateTime.UtcNow > deadline)
            {
                return device;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A certificate for the service key's public key from an unrelated CA (openssl x509 -new -force_pubkey).</summary>
    private static async Task<byte[]> ForgedServiceKeyCertificateAsync(TokenCareRig rig)
    {
        var work = RepositoryPaths.NewTemporaryDirectory("forged");
        try
        {
            var publicKey = Path.Combine(work, "service.pub.pem");
            await File.WriteAllTextAsync(publicKey, PemEncoding.WriteString("PUBLIC KEY", rig.Device.ServiceKeyPublicKey));
            await ProcessRunner.RunCheckedAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(work, "ca.key"), "-out", Path.Combine(work, "ca.pem"), "-days", "30", "-subj", "/CN=Another CA"]);
            await ProcessRunner.RunCheckedAsync("openssl", ["x509", "-new", "-subj", "/CN=Mallory", "-force_pubkey", publicKey, "-CA", Path.Combine(work, "ca.pem"), "-CAkey", Path.Combine(work, "ca.key"), "-days", "30", "-outform", "DER", "-out", Path.Combine(work, "forged.der")]);
            return await File.ReadAllBytesAsync(Path.Combine(work, "forged.der"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}

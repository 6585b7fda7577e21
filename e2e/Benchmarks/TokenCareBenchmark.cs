using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Playwright;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tokens;
using Qtsp.Agent.Tokens.Operations;
using Qtsp.E2E.Infrastructure;
using Qtsp.E2E.Token;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;
using Shouldly;
using Xunit.Abstractions;

namespace Qtsp.E2E.Benchmarks;

/// <summary>
/// Key generation (an attested request: EC P-256 key pair, request signed on the device, service-key statement) and
/// a challenge signature (the standard area's authentication key, origin-bound) through the bridge from the page,
/// against the very same agent operations called in-process, on the same demo device (simulator over SoftHSM2); and
/// what proving the PIN in every operation costs (C_Logout + C_Login) against the operation itself. Run with eng/bench.sh.
/// </summary>
[Collection(BrowserTests.Name)]
[Trait("Category", "Benchmark")]
public sealed class TokenCareBenchmark(BrowserFixture browser, ITestOutputHelper output)
{
    private const int KeyGenerations = 20;
    private const int Signatures = 100;
    private const int WarmUp = 3;

    [Fact]
    public async Task KeyGenerationAndSigningThroughTheBridgeVersusInProcess()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        var tokenPage = new TokenPage(await browser.NewPageAsync());
        await tokenPage.OpenAsync(product);
        var page = tokenPage.Page;
        var device = tokenPage.Devices;
        await Assertions.Expect(device).ToHaveCountAsync(1);
        var deviceId = (await device.GetAttributeAsync("data-device-id"))!;
        var serviceKey = Convert.ToBase64String(demo.ServiceKeyPublicKey);

        var bridgeKeys = await page.EvaluateAsync<double[]>(
            """
            async ([deviceId, runs, warmUp, pin, serviceKeyPublicKey]) => {
              const bridge = await import('/js/agent-bridge.js');
              const codes = (text) => Array.from(text, (c) => c.charCodeAt(0));
              const nonce = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
              const times = [];
              for (let i = 0; i < warmUp + runs; i++) {
                const start = performance.now();
                const made = await bridge.invoke('CreateKeyRequest', {
                  operationId: crypto.randomUUID(), deviceId, area: 'Standard', algorithm: 'EcP256', commonName: 'Benchmark',
                  email: null, country: null, nonce: nonce(), pin: codes(pin), qualifiedPin: null, confirmFinalTry: false, serviceKeyPublicKey });
                const elapsed = performance.now() - start;
                if (made.error) throw new Error(JSON.stringify(made.error));
                if (i >= warmUp) times.push(elapsed);
                const removed = await bridge.invoke('DeleteObjects', {
                  deviceId, area: 'Standard', objects: [{ kind: 'PrivateKey', idHex: made.value.keyIdHex, label: made.value.keyLabel }],
                  pin: codes(pin), confirmFinalTry: false, withKeyPairs: true });
                if (removed.error) throw new Error(JSON.stringify(removed.error));
              }
              return times;
            }
            """,
            new object[] { deviceId, KeyGenerations, WarmUp, DemoDevice.Pin, serviceKey });

        // An authentication key with its certificate in the standard area, made through the bridge like a holder's.
        var request = await page.EvaluateAsync<string[]>(
            """
            async ([deviceId, pin, serviceKeyPublicKey]) => {
              const bridge = await import('/js/agent-bridge.js');
              const codes = (text) => Array.from(text, (c) => c.charCodeAt(0));
              const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
              const made = await bridge.invoke('CreateKeyRequest', {
                operationId: crypto.randomUUID(), deviceId, area: 'Standard', algorithm: 'EcP256', commonName: 'Benchmark',
                email: null, country: null, nonce, pin: codes(pin), qualifiedPin: null, confirmFinalTry: false, serviceKeyPublicKey });
              if (made.error) throw new Error(JSON.stringify(made.error));
              return [made.value.request, made.value.keyIdHex];
            }
            """,
            new object[] { deviceId, DemoDevice.Pin, serviceKey });
        var certificate = await DemoCa.IssueAsync(demo, Convert.FromBase64String(request[0]), qualified: false);
        var keyId = request[1];
        var installed = await page.EvaluateAsync<string?>(
            """
            async ([deviceId, certificate, pin]) => {
              const bridge = await import('/js/agent-bridge.js');
              const result = await bridge.invoke('InstallCertificate', { deviceId, area: 'Standard', certificate, pin: Array.from(pin, (c) => c.charCodeAt(0)), confirmFinalTry: false });
              return result.error ? JSON.stringify(result.error) : null;
            }
            """,
            new object[] { deviceId, Convert.ToBase64String(certificate), DemoDevice.Pin });
        installed.ShouldBeNull();

        var bridgeSignatures = await page.EvaluateAsync<double[]>(
            """
            async ([deviceId, keyIdHex, runs, warmUp, pin]) => {
              const bridge = await import('/js/agent-bridge.js');
              const codes = (text) => Array.from(text, (c) => c.charCodeAt(0));
              const times = [];
              for (let i = 0; i < warmUp + runs; i++) {
                const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
                const start = performance.now();
                const signed = await bridge.invoke('SignChallenge', { deviceId, keyIdHex, nonce, pin: codes(pin), confirmFinalTry: false });
                const elapsed = performance.now() - start;
                if (signed.error) throw new Error(JSON.stringify(signed.error));
                if (i >= warmUp) times.push(elapsed);
              }
              return times;
            }
            """,
            new object[] { deviceId, keyId, Signatures, WarmUp, DemoDevice.Pin });

        var (inProcessKeys, inProcessSignatures, logins) = await InProcessAsync(demo, product.PortalUrl, keyId);

        Report("key generation + attested request (EC P-256)", bridgeKeys, inProcessKeys);
        Report("challenge signature with the authentication key (PIN proven per operation)", bridgeSignatures, inProcessSignatures);
        var login = Percentiles.Of(logins);
        var signature = Percentiles.Of(inProcessSignatures);
        output.WriteLine("proving the PIN in every operation (C_Logout + C_Login), in-process");
        output.WriteLine($"  login pair: {login}");
        output.WriteLine(FormattableString.Invariant($"  challenge operation with it / without it (p50): {signature.P50 / Math.Max(0.001, signature.P50 - login.P50):0.00}x"));
        (await demo.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).Count(o => o.Label.StartsWith("p11#", StringComparison.Ordinal)).ShouldBe(0);
    }

    private void Report(string operation, double[] bridge, double[] inProcess)
    {
        var through = Percentiles.Of(bridge);
        var direct = Percentiles.Of(inProcess);
        output.WriteLine($"{operation}");
        output.WriteLine($"  through the bridge (browser → agent → device → browser): {through}");
        output.WriteLine($"  in-process (same agent operation, no bridge):           {direct}");
        output.WriteLine(FormattableString.Invariant($"  ratio of p50s {through.P50 / direct.P50:0.00}x, p95s {through.P95 / direct.P95:0.00}x"));
    }

    private static async Task<(double[] Keys, double[] Signatures, double[] Logins)> InProcessAsync(DemoDevice demo, string origin, string keyId)
    {
        foreach (var (name, value) in demo.Environment)
        {
            NativeEnvironment.Set(name, value);
        }

        using var module = Pkcs11Module.Load(await RepositoryPaths.SimulatorModuleAsync());
        var readings = module.GetSlotList(tokenPresent: true).Select(slot => TokenReader.Read(module, slot)).OfType<SlotReading>().ToArray();
        var snapshot = DeviceAssembler.Assemble(readings).Single();
        var target = new DeviceTarget(module, snapshot, DeviceModelCatalogue.ById(snapshot.ModelId));
        using var logins = new LoginSessions(Microsoft.Extensions.Options.Options.Create(new Qtsp.Agent.AgentOptions()), TimeProvider.System);
        var scope = new OperationScope(new OperationCaller("benchmark", origin), logins, new SecretThrottle(TimeProvider.System), _ => { }, CancellationToken.None);

        var keys = new List<double>();
        for (var i = 0; i < WarmUp + KeyGenerations; i++)
        {
            var command = new KeyRequestCommand(Guid.NewGuid().ToString("N"), snapshot.DeviceId, AreaKind.Standard, KeyAlgorithm.EcP256, "Benchmark", null, null, RandomNumberGenerator.GetBytes(32), Codes(DemoDevice.Pin), null, false, demo.ServiceKeyPublicKey);
            var start = Stopwatch.GetTimestamp();
            var made = RequestOperations.Create(target, command, scope, TimeProvider.System);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= WarmUp)
            {
                keys.Add(elapsed);
            }

            CleanupOperations.Delete(target, new ObjectDeletion(snapshot.DeviceId, AreaKind.Standard, [new ObjectRef(ObjectKind.PrivateKey, made.KeyIdHex, made.KeyLabel)], Codes(DemoDevice.Pin), false, WithKeyPairs: true), scope);
        }

        var signatures = new List<double>();
        for (var i = 0; i < WarmUp + Signatures; i++)
        {
            var command = new ChallengeSignature(snapshot.DeviceId, keyId, RandomNumberGenerator.GetBytes(32), Codes(DemoDevice.Pin), false);
            var start = Stopwatch.GetTimestamp();
            ChallengeOperations.Sign(target, command, scope);
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= WarmUp)
            {
                signatures.Add(elapsed);
            }
        }

        var loginPairs = new List<double>();
        using (var session = module.OpenSession(target.Slot(AreaKind.Standard), readWrite: false))
        {
            var pin = System.Text.Encoding.UTF8.GetBytes(DemoDevice.Pin);
            for (var i = 0; i < WarmUp + Signatures; i++)
            {
                var start = Stopwatch.GetTimestamp();
                session.Login(CKU.CKU_USER, pin);
                session.Logout();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (i >= WarmUp)
                {
                    loginPairs.Add(elapsed);
                }
            }
        }

        return ([.. keys], [.. signatures], [.. loginPairs]);
    }

    private static int[] Codes(string secret) => secret.Select(c => (int)c).ToArray();
}

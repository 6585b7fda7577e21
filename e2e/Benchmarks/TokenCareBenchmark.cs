using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Playwright;
using Net.Pkcs11Interop.Common;
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
    /// <summary>
    /// SoftHSM2 as it is (a fast software token), then the simulator's slow-card setting: every chip operation (login,
    /// key generation, signature) takes 100 ms, the order of a real smart card, so the bridge's cost shows in proportion.
    /// </summary>
    private static readonly Setting[] Settings =
    [
        new("SoftHSM2 (software token, no chip delay)", null, KeyGenerationRuns: 20, SignatureRuns: 100),
        new("slow-card setting (100 ms per chip operation)", TimeSpan.FromMilliseconds(100), KeyGenerationRuns: 8, SignatureRuns: 15),
    ];

    private const int WarmUp = 3;
    private const int Rounds = 3;

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
        var keyId = await AuthenticationKeyAsync(page, demo, deviceId, serviceKey);
        using var inProcess = await InProcess.OpenAsync(demo, product.PortalUrl);

        foreach (var setting in Settings)
        {
            demo.SetSlowness(setting.ChipDelay);
            await MeasureAsync(setting, page, device, demo, deviceId, serviceKey, keyId, inProcess);
        }

        demo.SetSlowness(null);
        (await demo.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).Count(o => o.Label.StartsWith("p11#", StringComparison.Ordinal)).ShouldBe(0);
    }

    private async Task MeasureAsync(Setting setting, IPage page, ILocator device, DemoDevice demo, string deviceId, string serviceKey, string keyId, InProcess inProcess)
    {
        output.WriteLine($"== {setting.Name}");
        var keyRatios = new List<(Percentiles Bridge, Percentiles Direct)>();
        var signatureRatios = new List<(Percentiles Bridge, Percentiles Direct)>();
        var loginShares = new List<(Percentiles Login, Percentiles Operation)>();
        for (var round = 0; round < Rounds; round++)
        {
            await SettleAsync(page, device);
            var bridgeKeys = await BridgeKeyGenerationsAsync(page, deviceId, serviceKey, setting.KeyGenerationRuns);
            keyRatios.Add((Percentiles.Of(bridgeKeys), Percentiles.Of(inProcess.KeyGenerations(setting.KeyGenerationRuns))));
            var signatures = Percentiles.Of(inProcess.Signatures(keyId, setting.SignatureRuns));
            await SettleAsync(page, device);
            signatureRatios.Add((Percentiles.Of(await BridgeSignaturesAsync(page, deviceId, keyId, setting.SignatureRuns)), signatures));
            loginShares.Add((Percentiles.Of(inProcess.LoginPairs(setting.SignatureRuns)), signatures));
        }

        Report("key generation + attested request (EC P-256)", keyRatios);
        Report("challenge signature with the authentication key (PIN proven per operation)", signatureRatios);
        output.WriteLine("proving the PIN in every operation (C_Logout + C_Login), in-process: operation with it / without it (p50)");
        foreach (var (login, operation) in loginShares)
        {
            output.WriteLine(FormattableString.Invariant($"  login pair {login}; challenge operation {operation}; ratio {operation.P50 / Math.Max(0.001, operation.P50 - login.P50):0.00}x"));
        }

        output.WriteLine(FormattableString.Invariant($"  median ratio {Median(loginShares.Select(s => s.Operation.P50 / Math.Max(0.001, s.Operation.P50 - s.Login.P50))):0.00}x"));
    }

    private void Report(string operation, List<(Percentiles Bridge, Percentiles Direct)> rounds)
    {
        output.WriteLine(operation);
        foreach (var (through, direct) in rounds)
        {
            output.WriteLine($"  through the bridge (browser → agent → device → browser): {through}");
            output.WriteLine($"  in-process (same agent operation, no bridge):           {direct}");
        }

        output.WriteLine(FormattableString.Invariant(
            $"  median over {rounds.Count} rounds: ratio of p50s {Median(rounds.Select(r => r.Bridge.P50 / r.Direct.P50)):0.00}x, p95s {Median(rounds.Select(r => r.Bridge.P95 / r.Direct.P95)):0.00}x"));
    }

    /// <summary>
    /// The in-process series change the same SoftHSM2 store from this process; the agent's reading made meanwhile may have
    /// skipped the device. Before a bridge series the agent reads again and the page shows the device.
    /// </summary>
    private static async Task SettleAsync(IPage page, ILocator device)
    {
        await page.EvaluateAsync("async () => (await import('/js/agent-bridge.js')).invoke('Refresh')");
        await Assertions.Expect(device).ToHaveCountAsync(1);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static Task<double[]> BridgeKeyGenerationsAsync(IPage page, string deviceId, string serviceKey, int runs) => page.EvaluateAsync<double[]>(
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
        new object[] { deviceId, runs, WarmUp, DemoDevice.Pin, serviceKey });

    private static Task<double[]> BridgeSignaturesAsync(IPage page, string deviceId, string keyId, int runs) => page.EvaluateAsync<double[]>(
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
        new object[] { deviceId, keyId, runs, WarmUp, DemoDevice.Pin });

    /// <summary>An authentication key with its certificate in the standard area, made through the bridge like a holder's; its CKA_ID.</summary>
    private static async Task<string> AuthenticationKeyAsync(IPage page, DemoDevice demo, string deviceId, string serviceKey)
    {
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
        return request[1];
    }

    /// <summary>The same agent operations called in this process on the same device, through the simulator module.</summary>
    private sealed class InProcess(Pkcs11Module module, DeviceTarget target, OperationScope scope, LoginSessions logins, DemoDevice demo) : IDisposable
    {
        public static async Task<InProcess> OpenAsync(DemoDevice demo, string origin)
        {
            foreach (var (name, value) in demo.Environment)
            {
                NativeEnvironment.Set(name, value);
            }

            var module = Pkcs11Module.Load(await RepositoryPaths.SimulatorModuleAsync());
            var readings = module.GetSlotList(tokenPresent: true).Select(slot => TokenReader.Read(module, slot)).OfType<SlotReading>().ToArray();
            var snapshot = DeviceAssembler.Assemble(readings).Single();
            var target = new DeviceTarget(module, snapshot, DeviceModelCatalogue.ById(snapshot.ModelId));
            var logins = new LoginSessions(Microsoft.Extensions.Options.Options.Create(new Qtsp.Agent.AgentOptions()), TimeProvider.System);
            var scope = new OperationScope(new OperationCaller("benchmark", origin), logins, new SecretThrottle(TimeProvider.System), _ => { }, CancellationToken.None);
            return new InProcess(module, target, scope, logins, demo);
        }

        public double[] KeyGenerations(int runs) => Measure(runs, () =>
        {
            var command = new KeyRequestCommand(Guid.NewGuid().ToString("N"), target.Device.DeviceId, AreaKind.Standard, KeyAlgorithm.EcP256, "Benchmark", null, null, RandomNumberGenerator.GetBytes(32), Codes(DemoDevice.Pin), null, false, demo.ServiceKeyPublicKey);
            return RequestOperations.Create(target, command, scope, TimeProvider.System);
        }, made => CleanupOperations.Delete(target, new ObjectDeletion(target.Device.DeviceId, AreaKind.Standard, [new ObjectRef(ObjectKind.PrivateKey, made.KeyIdHex, made.KeyLabel)], Codes(DemoDevice.Pin), false, WithKeyPairs: true), scope));

        public double[] Signatures(string keyId, int runs) => Measure(runs, () =>
            ChallengeOperations.Sign(target, new ChallengeSignature(target.Device.DeviceId, keyId, RandomNumberGenerator.GetBytes(32), Codes(DemoDevice.Pin), false), scope));

        public double[] LoginPairs(int runs)
        {
            using var session = module.OpenSession(target.Slot(AreaKind.Standard), readWrite: false);
            var pin = System.Text.Encoding.UTF8.GetBytes(DemoDevice.Pin);
            return Measure(runs, () =>
            {
                session.Login(CKU.CKU_USER, pin);
                session.Logout();
                return true;
            });
        }

        private static double[] Measure<T>(int runs, Func<T> work, Action<T>? after = null)
        {
            var times = new List<double>();
            for (var i = 0; i < WarmUp + runs; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var result = work();
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (i >= WarmUp)
                {
                    times.Add(elapsed);
                }

                after?.Invoke(result);
            }

            return [.. times];
        }

        public void Dispose()
        {
            logins.Dispose();
        }
    }

    private sealed record Setting(string Name, TimeSpan? ChipDelay, int KeyGenerationRuns, int SignatureRuns);

    private static int[] Codes(string secret) => secret.Select(c => (int)c).ToArray();
}

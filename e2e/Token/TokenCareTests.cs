using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.Shared.Bridge;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Token;

/// <summary>Token care in Chromium against the demo device, checked with pkcs11-tool and openssl.</summary>
[Collection(BrowserTests.Name)]
public sealed class TokenCareTests(BrowserFixture browser)
{
    private const string NewPin = "Qx7Rm2Kp";

    [Fact]
    public async Task Pin_operations_work_and_no_secret_ever_reaches_the_portal_nor_any_log()
    {
        const string NewPuk = "Puk-4839";
        const string UnblockedPin = "Un-7731x";
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync(extraArguments: "--Logging:LogLevel:Default=Trace");
        var demo = product.Demo!;
        var page = new TokenPage(await browser.NewPageAsync());
        var portalFrames = new ConcurrentQueue<string>();
        page.Page.WebSocket += (_, socket) =>
        {
            if (socket.Url.StartsWith(product.PortalUrl.Replace("http", "ws", StringComparison.Ordinal), StringComparison.Ordinal))
            {
                socket.FrameSent += (_, frame) => portalFrames.Enqueue(frame.Text ?? Convert.ToBase64String(frame.Binary ?? []));
                socket.FrameReceived += (_, frame) => portalFrames.Enqueue(frame.Text ?? Convert.ToBase64String(frame.Binary ?? []));
            }
        };
        await page.OpenAsync(product);
        var dialog = new SecretDialog(page.Page);
        var standard = page.Area("Standard");

        // Change the PIN: a wrong current value first, then the right one.
        await standard.Locator("[data-testid=action-change-pin]").ClickAsync();
        await dialog.FillAsync(("current", "7777"), ("new", NewPin), ("repeat", NewPin));
        await dialog.SubmitAsync();
        await Assertions.Expect(dialog.Message).ToContainTextAsync("Nesprávný PIN");
        await dialog.SubmitAndCloseAsync(("current", DemoDevice.Pin), ("new", NewPin), ("repeat", NewPin));
        await Assertions.Expect(SecretDialog.Notification(page.Page, "PIN byl změněn")).ToBeVisibleAsync();
        (await demo.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", NewPin, "-O")).ExitCode.ShouldBe(0);
        (await demo.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "-O")).ExitCode.ShouldNotBe(0);

        // Change the PUK, then unblock a blocked PIN with the new PUK.
        await standard.Locator("[data-testid=action-change-puk]").ClickAsync();
        await dialog.SubmitAndCloseAsync(("current", DemoDevice.Puk), ("new", NewPuk), ("repeat", NewPuk));
        await demo.SetPinStateAsync(DemoDevice.StandardLabel, "user_locked = 1\n");
        await page.Page.Locator("[data-testid=action-refresh]").ClickAsync();
        await standard.Locator("[data-testid=locked-unblock]").ClickAsync();
        await dialog.SubmitAndCloseAsync(("code", NewPuk), ("new", UnblockedPin), ("repeat", UnblockedPin));
        (await demo.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", UnblockedPin, "-O")).ExitCode.ShouldBe(0);

        // Log in to see the private keys, and make a qualified request (PIN and QPIN).
        await standard.Locator("[data-testid=action-login]").ClickAsync();
        await dialog.SubmitAndCloseAsync(("pin", UnblockedPin));
        await Assertions.Expect(standard.Locator("[data-testid=key][data-class=Private]")).Not.ToHaveCountAsync(0);
        await page.StartRequestAsync("Qualified", DemoDevice.Holder);
        await dialog.SubmitAndCloseAsync(("pin", UnblockedPin), ("qpin", DemoDevice.QPin));
        await Assertions.Expect(page.Page.Locator("[data-testid=request-signature]")).ToHaveAttributeAsync("data-valid", "true");

        // The portal recorded the outcomes (who, which device), and nothing secret.
        var audit = await product.AuditAsync("token.pin.%");
        audit.Select(a => a.Action).ShouldBe(["token.pin.changed", "token.pin.changed", "token.pin.changed", "token.pin.unblocked"]);
        audit.ShouldAllBe(a => a.Actor == product.Accounts.Holder.UserName && a.Subject == $"device-serial:{demo.Serial}");
        audit[0].Details.ShouldContain("PinIncorrect");
        audit[1].Details.ShouldContain("Succeeded");
        (await product.AuditAsync("token.login")).Select(a => a.Details).ShouldHaveSingleItem().ShouldContain("Succeeded");
        (await product.AuditAsync("token.request.created")).Select(a => a.Details).ShouldHaveSingleItem().ShouldContain("Succeeded");
        audit.AddRange(await product.AuditAsync("token.%"));

        portalFrames.ShouldNotBeEmpty("the circuit's frames were recorded");
        foreach (var secret in new[] { NewPin, "7777", NewPuk, UnblockedPin, DemoDevice.QPin, DemoDevice.Puk })
        {
            var codes = string.Join(",", secret.Select(c => (int)c));
            portalFrames.ShouldAllBe(frame => !frame.Contains(codes), $"the codes of {secret}");
            product.Logs.ShouldNotContain(codes);
            audit.ShouldAllBe(a => !a.Details.Contains(codes));
            if (secret.Length >= 7)
            {
                // Short digit strings may occur by chance (ports, timestamps); long ones may not.
                portalFrames.ShouldAllBe(frame => !frame.Contains(secret), secret);
                product.Logs.ShouldNotContain(secret);
                audit.ShouldAllBe(a => !a.Details.Contains(secret));
            }
        }
    }

    [Fact]
    public async Task A_wrong_pin_shows_tries_left_and_the_final_try_needs_a_confirmation()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        await product.Demo!.SetPinStateAsync(DemoDevice.StandardLabel, "user_remaining = 2\n");
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        var dialog = new SecretDialog(page.Page);

        await page.Area("Standard").Locator("[data-testid=action-change-pin]").ClickAsync();
        await dialog.FillAsync(("current", "7777"), ("new", NewPin), ("repeat", NewPin));
        await dialog.SubmitAsync();

        await Assertions.Expect(dialog.Message).ToContainTextAsync("Zbývá poslední pokus");
        await Assertions.Expect(dialog.FinalTryConfirmation).ToBeVisibleAsync();
        await dialog.FillAsync(("current", DemoDevice.Pin), ("new", NewPin), ("repeat", NewPin));
        await dialog.SubmitAsync();
        await Assertions.Expect(dialog.Message).ToContainTextAsync("Potvrďte");
        await Assertions.Expect(page.Area("Standard").Locator("[data-testid=pin-status][data-pin-kind=Pin]")).ToHaveAttributeAsync("data-pin-state", "FinalTry");

        await dialog.FinalTryConfirmation.CheckAsync();
        await dialog.SubmitAndCloseAsync(("current", DemoDevice.Pin), ("new", NewPin), ("repeat", NewPin));
        await Assertions.Expect(page.Area("Standard").Locator("[data-testid=pin-status][data-pin-kind=Pin]")).ToHaveAttributeAsync("data-pin-state", "Ok");
    }

    [Fact]
    public async Task A_long_new_pin_typed_twice_is_cut_to_the_same_length_in_both_fields()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        var dialog = new SecretDialog(page.Page);
        var tooLong = new string('7', 40);

        await page.Area("Standard").Locator("[data-testid=action-change-pin]").ClickAsync();
        await dialog.FillAsync(("new", tooLong), ("repeat", tooLong));

        var maxLength = await dialog.Root.Locator("input[name=new]").GetAttributeAsync("maxlength");
        maxLength.ShouldNotBeNull();
        (await dialog.Root.Locator("input[name=repeat]").GetAttributeAsync("maxlength")).ShouldBe(maxLength);
        (await dialog.Root.Locator("input[name=repeat]").InputValueAsync()).ShouldBe(await dialog.Root.Locator("input[name=new]").InputValueAsync());
        await dialog.CancelAsync();
        await Assertions.Expect(dialog.Root).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_pin_the_device_says_must_be_changed_is_flagged_with_the_reason_and_the_change_clears_it()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        await product.Demo!.SetPinStateAsync(DemoDevice.QualifiedLabel, "user_to_be_changed = 1\n");
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);

        var qualified = page.Area("Qualified");
        await Assertions.Expect(qualified.Locator("[data-testid=pin-to-be-changed]")).ToContainTextAsync("Tovární hodnoty");
        await qualified.Locator("[data-testid=change-now]").ClickAsync();
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("current", DemoDevice.QPin), ("new", "864213"), ("repeat", "864213"));

        await Assertions.Expect(qualified.Locator("[data-testid=pin-to-be-changed]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_locked_pin_is_shown_as_locked_and_the_puk_unblocks_it()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        await product.Demo!.SetPinStateAsync(DemoDevice.StandardLabel, "user_locked = 1\n");
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);

        var area = page.Area("Standard");
        await Assertions.Expect(area.Locator("[data-testid=pin-status][data-pin-kind=Pin]")).ToHaveAttributeAsync("data-pin-state", "Locked");
        await Assertions.Expect(area.Locator("[data-testid=pin-locked]")).ToContainTextAsync("PIN je zablokován");
        await Assertions.Expect(page.Page.Locator("[data-testid=blocking-consequence]")).ToBeVisibleAsync();
        await area.Locator("[data-testid=locked-unblock]").ClickAsync();
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("code", DemoDevice.Puk), ("new", NewPin), ("repeat", NewPin));

        await Assertions.Expect(area.Locator("[data-testid=pin-status][data-pin-kind=Pin]")).ToHaveAttributeAsync("data-pin-state", "Ok");
        (await product.Demo.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", NewPin, "-O")).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task A_qualified_request_made_in_the_page_verifies_and_its_certificate_installs_until_the_area_is_full()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        var qualified = page.Area("Qualified");

        var (request, attestation, number) = await CreateQualifiedRequestAsync(page);
        await Assertions.Expect(qualified.Locator($"[data-testid=badge][data-pending-request={number}]")).Not.ToHaveCountAsync(0);
        var requests = await page.Page.Context.NewPageAsync();
        await requests.GotoAsync(product.PortalUrl + "/requests");
        await Assertions.Expect(requests.Locator("[data-testid=request-row]", new PageLocatorOptions { HasText = number })).ToHaveCountAsync(1);
        await requests.CloseAsync();

        (await ProcessRunner.RunAsync("openssl", ["req", "-in", request, "-verify", "-noout"])).Combined.ShouldContain("verify OK");
        var requestDer = X509Request(request);
        var statement = JsonDocument.Parse(await File.ReadAllTextAsync(attestation)).RootElement;
        var serviceKey = await ServiceKeyAsync(demo);
        AttestationStatement.Verify(
            new ServiceKeyAttestation(statement.GetProperty("statement").GetBytesFromBase64(), statement.GetProperty("signature").GetBytesFromBase64(), statement.GetProperty("algorithm").GetString()!),
            serviceKey,
            requestDer,
            statement.GetProperty("nonce").GetBytesFromBase64(),
            demo.Serial).ShouldBeTrue();
        var listing = (await demo.Pkcs11ToolAsync(DemoDevice.QualifiedLabel, "-O", "--login", "--pin", DemoDevice.QPin)).Output;
        listing.ShouldContain("always authenticate, sensitive, always sensitive, never extractable, local");

        var certificate = await DemoCa.IssueAsync(demo, requestDer, qualified: true);
        await InstallAsync(page, certificate, DemoDevice.QPin);
        await Assertions.Expect(SecretDialog.Notification(page.Page, "Certifikát je nainstalován")).ToBeVisibleAsync();
        var keyId = Convert.ToHexString(KeyIdentifier(certificate, await demo.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)));
        (await demo.ObjectsAsync(DemoDevice.QualifiedLabel)).ShouldContain(o => o.Kind == "Certificate" && o.IdHex == keyId);
        await Assertions.Expect(qualified.Locator("[data-testid=certificate]")).ToHaveCountAsync(2);

        using var foreignKey = RSA.Create(2048);
        var foreign = new CertificateRequest("CN=Someone Else", foreignKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1)).RawData;
        await InstallAsync(page, foreign, DemoDevice.QPin);
        await Assertions.Expect(SecretDialog.Notification(page.Page, "Klíč k tomuto certifikátu v zařízení není")).ToBeVisibleAsync();
        await Assertions.Expect(qualified.Locator("[data-testid=certificate]")).ToHaveCountAsync(2);

        var keysBefore = (await demo.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).Count;
        await qualified.Locator("[data-testid=action-new-request]").ClickAsync();
        await Assertions.Expect(page.Page.Locator("[data-testid=capacity-problem]")).ToContainTextAsync("2 kvalifikované certifikáty");
        await Assertions.Expect(page.Page.Locator("[data-testid=request-continue]")).ToBeDisabledAsync();
        (await demo.ObjectsAsync(DemoDevice.QualifiedLabel, DemoDevice.QPin)).Count.ShouldBe(keysBefore, "no key was generated");
    }

    [Fact]
    public async Task Pulling_the_device_out_during_key_generation_is_explained_and_leaves_no_key()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        demo.SetSlowness(TimeSpan.FromSeconds(4));

        await page.StartRequestAsync("Standard", DemoDevice.Holder);
        var dialog = new SecretDialog(page.Page);
        await dialog.FillAsync(("pin", DemoDevice.Pin));
        await dialog.SubmitAsync();
        // Out while the chip generates the key (after the login, which is slow too), not before the agent reached the device.
        await Assertions.Expect(page.Page.Locator("[data-testid=secret-dialog-progress]")).ToContainTextAsync(PortalTexts.Czech("TokenCare.Stage.GeneratingKey"));
        demo.Unplug();

        await Assertions.Expect(SecretDialog.Notification(page.Page, "odpojeno")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 });
        demo.PlugIn();
        demo.SetSlowness(null);
        (await demo.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).ShouldNotContain(o => o.Label.StartsWith("p11#", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_cleanup_wizard_removes_an_orphan_key_and_never_offers_the_service_key()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        (await demo.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "p11#cafe", "--id", "cafe")).ExitCode.ShouldBe(0);
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);
        await page.Page.Locator("[data-testid=action-refresh]").ClickAsync();
        var standard = page.Area("Standard");
        await Assertions.Expect(standard.Locator("[data-testid=capacity-warning]")).ToHaveAttributeAsync("data-issue", "OrphanKeys");

        await standard.Locator("[data-testid=action-cleanup]").ClickAsync();
        var candidates = page.Page.Locator("[data-testid=cleanup-candidate]");
        await Assertions.Expect(candidates).ToHaveCountAsync(1);
        await Assertions.Expect(page.Page.Locator("[data-testid=cleanup]")).Not.ToContainTextAsync("SERVICE KEY");
        await candidates.First.Locator("input[type=checkbox]").CheckAsync();
        await page.Page.Locator("[data-testid=cleanup-remove]").ClickAsync();
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("pin", DemoDevice.Pin));

        await Assertions.Expect(SecretDialog.Notification(page.Page, "Odstraněno objektů: 2")).ToBeVisibleAsync();
        await Assertions.Expect(standard.Locator("[data-testid=capacity-warning]")).ToHaveCountAsync(0);
        (await demo.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).Select(o => o.Label).Distinct().ShouldBe(["SERVICE KEY"]);
    }

    [Fact]
    public async Task Preparing_a_complaint_wipes_the_user_objects_and_prints_a_form_naming_the_device()
    {
        await using var product = await ProductUnderTest.StartWithDemoDeviceAsync();
        var demo = product.Demo!;
        var page = new TokenPage(await browser.NewPageAsync());
        await page.OpenAsync(product);

        await page.Page.Locator("[data-testid=action-complaint]").ClickAsync();
        await page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Pokračovat" }).ClickAsync();

        // Before the wipe the holder is offered to revoke the valid certificate the CA issued for the device: revoked here.
        var offer = page.Page.Locator("[data-testid=revoke-certificates-dialog]");
        await Assertions.Expect(offer.Locator("[data-testid=revoke-certificate]")).ToHaveCountAsync(1);
        await offer.FieldInput("revoke-password").FillAsync(product.Accounts.Holder.Password);
        await offer.Locator("[data-testid=revoke-confirm]").ClickAsync();
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("pin", DemoDevice.Pin), ("puk", DemoDevice.Puk), ("qualifiedPin", DemoDevice.QPin), ("qualifiedPuk", DemoDevice.QPuk));
        (await product.AuditAsync("certificate.revoked")).ShouldHaveSingleItem().Actor.ShouldBe(product.Accounts.Holder.UserName);

        await page.Page.WaitForURLAsync("**/token/complaint**");
        await Assertions.Expect(page.Page.Locator("[data-testid=complaint-model]")).ToHaveTextAsync("SafeNet eToken 5110 CC");
        await Assertions.Expect(page.Page.Locator("[data-testid=complaint-serial]")).ToHaveTextAsync(demo.Serial);
        (await demo.ObjectsAsync(DemoDevice.QualifiedLabel, "12345678")).ShouldBeEmpty();
        (await demo.ObjectsAsync(DemoDevice.StandardLabel, "12345678")).Select(o => o.Label).Distinct().ShouldBe(["SERVICE KEY"]);
    }


    private static async Task<(string Request, string Attestation, string Number)> CreateQualifiedRequestAsync(TokenPage page)
    {
        await page.StartRequestAsync("Qualified", DemoDevice.Holder, "jan.novak@example.cz");
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("pin", DemoDevice.Pin), ("qpin", DemoDevice.QPin));
        await Assertions.Expect(page.Page.Locator("[data-testid=request-signature]")).ToHaveAttributeAsync("data-valid", "true");
        // The demo data registers the demo device's service key, so the portal checks the statement against it.
        await Assertions.Expect(page.Page.Locator("[data-testid=request-attestation]")).ToHaveAttributeAsync("data-check", "Verified");
        // Verified, so the portal took it under a qualified request number, which the holder takes to a branch.
        await Assertions.Expect(page.Page.Locator("[data-testid=request-number]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^BP[0-9]{10}$"));
        var number = await page.Page.Locator("[data-testid=request-number]").InnerTextAsync();

        var directory = RepositoryPaths.NewTemporaryDirectory("e2e-downloads");
        var request = await DownloadAsync(page.Page, "[data-testid=download-request]", Path.Combine(directory, "request.csr"));
        var attestation = await DownloadAsync(page.Page, "[data-testid=download-attestation]", Path.Combine(directory, "attestation.json"));
        await page.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Zavřít", Exact = true }).ClickAsync();
        return (request, attestation, number);
    }

    private static async Task InstallAsync(TokenPage page, byte[] certificate, string pin)
    {
        var file = Path.Combine(RepositoryPaths.NewTemporaryDirectory("e2e-certificate"), "issued.cer");
        await File.WriteAllBytesAsync(file, certificate);
        await page.Area("Qualified").Locator("[data-testid=action-install]").ClickAsync();
        await page.Page.Locator("[data-testid=install-file]").SetInputFilesAsync(file);
        await page.Page.Locator("[data-testid=install-continue]").ClickAsync();
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("pin", pin));
    }

    private static async Task<string> DownloadAsync(IPage page, string button, string path)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator(button).ClickAsync());
        await download.SaveAsAsync(path);
        return path;
    }

    private static byte[] X509Request(string pemPath) => PemEncoding.Find(File.ReadAllText(pemPath)) is var pem
        ? Convert.FromBase64String(File.ReadAllText(pemPath)[pem.Base64Data])
        : [];

    private static async Task<PublicKey> ServiceKeyAsync(DemoDevice demo)
    {
        var path = Path.Combine(RepositoryPaths.NewTemporaryDirectory("e2e-service-key"), "service.der");
        (await demo.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--read-object", "--type", "pubkey", "--id", "5345525649434b4559", "--output-file", path)).ExitCode.ShouldBe(0);
        return PublicKey.CreateFromSubjectPublicKeyInfo(await File.ReadAllBytesAsync(path), out _);
    }

    private static byte[] KeyIdentifier(byte[] certificate, IReadOnlyList<Pkcs11ToolObject> objects)
    {
        using var parsed = X509CertificateLoader.LoadCertificate(certificate);
        var label = parsed.GetNameInfo(X509NameType.SimpleName, false);
        return Convert.FromHexString(objects.First(o => o.Kind == "Private Key" && o.Label == label && o.IdHex != "01").IdHex);
    }
}

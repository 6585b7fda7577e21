using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;
using Qtsp.E2E.Infrastructure;
using Qtsp.E2E.Token;
using Qtsp.TestSupport;
using Shouldly;

namespace Qtsp.E2E.Lifecycle;

/// <summary>
/// The certificate lifecycle in Chromium on a token no test saw before, as the holder and the RA operator do it:
/// request → BP number → identity check and approval → "Check issued certificates" → protocol → accept → the
/// certificate next to its key (pkcs11-tool) chaining to the root fetched through its AIA (openssl) → renewal issued
/// without the operator. And the refusals a holder meets, in their language.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class CertificateLifecycleTests(BrowserFixture browser)
{
    [Fact]
    public async Task A_fresh_token_gets_its_qualified_certificate_through_the_branch_and_renews_it_without_one()
    {
        await using var product = await ProductUnderTest.StartWithFreshDeviceAsync();
        var demo = product.Demo!;
        var holder = new TokenPage(await browser.NewPageAsync());
        await holder.OpenAsync(product);
        var qualified = holder.Area("Qualified");

        // The holder's initial request: a BP number to take to the branch.
        var number = await RequestAsync(holder);
        await Assertions.Expect(qualified.Locator($"[data-testid=badge][data-pending-request={number}]")).Not.ToHaveCountAsync(0);

        // The RA operator checks the identity document and approves: the CA issues at once.
        var operatorPage = await browser.NewPageAsync();
        await operatorPage.SignInAsync(product, product.Accounts.RaOperator, "/registration");
        await operatorPage.OpenAsync(product, "/registration");
        await operatorPage.FieldInput("registration-number").FillAsync(number);
        await operatorPage.Locator("[data-testid=registration-find]").ClickAsync();
        await Assertions.Expect(operatorPage.Locator("[data-testid=registration-request]")).ToHaveAttributeAsync("data-status", "Submitted");
        await operatorPage.FieldInput("identity-document-number").FillAsync("204857163");
        var validUntil = operatorPage.FieldInput("identity-valid-until");
        await validUntil.FillAsync(DateTime.Today.AddYears(5).ToString("dd.MM.yyyy", System.Globalization.CultureInfo.InvariantCulture));
        await validUntil.PressAsync("Tab");
        foreach (var check in new[] { "identity-check-photo", "identity-check-genuine", "identity-check-data" })
        {
            await operatorPage.FieldInput(check).CheckAsync();
        }

        await Screenshots.TakeAsync(operatorPage, "lifecycle-registration-found");
        await operatorPage.Locator("[data-testid=registration-approve]").ClickAsync();
        await Assertions.Expect(operatorPage.Locator("[data-testid=registration-result]")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 });
        await Screenshots.TakeAsync(operatorPage, "lifecycle-registration-issued");

        // The holder checks issued certificates, reads the protocol, accepts: it goes next to its key.
        await holder.Page.Locator("[data-testid=action-check-issued]").ClickAsync();
        var issued = holder.Page.Locator("[data-testid=issued-certificate]");
        await Assertions.Expect(issued).ToHaveCountAsync(1);
        var serial = (await issued.GetAttributeAsync("data-serial"))!;
        // Issued but not yet on the device: its key still waits for it, it is no leftover to clean up.
        await Assertions.Expect(qualified.Locator($"[data-testid=badge][data-pending-request={number}]")).Not.ToHaveCountAsync(0);
        await Screenshots.TakeAsync(holder.Page, "lifecycle-token-issued");
        var protocol = await holder.Page.Context.NewPageAsync();
        await protocol.GotoAsync(product.PortalUrl + "/" + await issued.Locator("[data-testid=issued-protocol]").GetAttributeAsync("href"));
        await Assertions.Expect(protocol.Locator("[data-testid=protocol-serial]")).ToHaveTextAsync(serial);
        await Assertions.Expect(protocol.Locator("[data-testid=protocol-policies]")).ToContainTextAsync("QCP-n-qscd");
        await Assertions.Expect(protocol.Locator("[data-testid=protocol-request]")).ToHaveTextAsync(number);
        await Assertions.Expect(protocol.Locator("[data-testid=protocol-identifier]")).ToHaveTextAsync("PNOCZ-8001011234") /* his birth number: it outranks the document */;
        await protocol.CloseAsync();

        await issued.Locator("[data-testid=issued-accept]").ClickAsync();
        await new SecretDialog(holder.Page).SubmitAndCloseAsync(("pin", DemoDevice.QPin));
        await Assertions.Expect(holder.Page.Locator("[data-testid=replug-advice]")).ToBeVisibleAsync();
        await Assertions.Expect(issued).ToHaveCountAsync(0);

        var onDevice = await PkiChecks.CertificateOnDeviceAsync(demo, serial);
        await PkiChecks.VerifyThroughAiaAsync(onDevice);
        await Assertions.Expect(qualified.Locator($"[data-testid=certificate]:has-text('{serial}') [data-testid=registry-status]")).ToHaveAttributeAsync("data-status", "Known");
        (await product.AuditAsync("certificate.accepted")).ShouldHaveSingleItem().Actor.ShouldBe(product.Accounts.Holder.UserName);

        // Renewal: from the certificate on the device, signed by its key; issued with nobody at a branch.
        await qualified.Locator($"[data-testid=certificate]:has-text('{serial}') [data-testid=certificate-renew]").ClickAsync();
        await holder.Page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = PortalTexts.Czech("TokenCare.Submit.Continue"), Exact = true }).ClickAsync();
        await new SecretDialog(holder.Page).SubmitAndCloseAsync(("pin", DemoDevice.Pin), ("qpin", DemoDevice.QPin));
        await Assertions.Expect(holder.Page.Locator("[data-testid=request-issued]")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 });
        await Screenshots.TakeAsync(holder.Page, "lifecycle-renewal-issued");
        await holder.Page.Locator("[data-testid=request-result-close]").ClickAsync();
        await Assertions.Expect(issued).ToHaveCountAsync(1);
        var renewedSerial = (await issued.GetAttributeAsync("data-serial"))!;
        await issued.Locator("[data-testid=issued-accept]").ClickAsync();
        await new SecretDialog(holder.Page).SubmitAndCloseAsync(("pin", DemoDevice.QPin));
        await Assertions.Expect(qualified.Locator("[data-testid=certificate]")).ToHaveCountAsync(2);
        var renewed = await PkiChecks.CertificateOnDeviceAsync(demo, renewedSerial);
        await PkiChecks.VerifyThroughAiaAsync(renewed);
        renewed.Subject.ShouldBe(onDevice.Subject);

        var issuedEvents = await product.AuditAsync("certificate.issued");
        issuedEvents.Count.ShouldBe(2);
        issuedEvents[0].Actor.ShouldBe(product.Accounts.RaOperator.UserName);
        issuedEvents[1].Actor.ShouldBe(product.Accounts.Holder.UserName);
    }

    [Fact]
    public async Task Requests_from_a_device_bound_to_someone_else_with_an_unregistered_service_key_or_for_a_blocked_holder_are_refused_in_the_holders_language()
    {
        await using var product = await ProductUnderTest.StartWithFreshDeviceAsync();
        var holder = new TokenPage(await browser.NewPageAsync());
        await holder.OpenAsync(product);

        // Bound to another person: the portal refuses the request the device made.
        await ExecuteAsync(product, """
            INSERT INTO DeviceBindings (DeviceId, ApplicantId, CreatedAtUtc, CreatedBy)
            SELECT d.Id, (SELECT Id FROM Applicants WHERE LastName = 'Procházka'), '2026-01-01 00:00:00', 'ca' FROM SecureDevices d WHERE d.SerialNumber = $serial
            """, product.Demo!.Serial);
        await RefusedAsync(holder, product.Demo, "DeviceBoundToSomeoneElse");
        await ExecuteAsync(product, "DELETE FROM DeviceBindings WHERE DeviceId = (SELECT Id FROM SecureDevices WHERE SerialNumber = $serial)", product.Demo.Serial);

        // A blocked holder.
        await ExecuteAsync(product, "UPDATE Applicants SET IsBlocked = 1 WHERE Email = 'jan.novak@example.cz' AND $serial IS NOT NULL", product.Demo.Serial);
        await RefusedAsync(holder, product.Demo, "ApplicantBlocked");
        await ExecuteAsync(product, "UPDATE Applicants SET IsBlocked = 0 WHERE Email = 'jan.novak@example.cz' AND $serial IS NOT NULL", product.Demo.Serial);

        // The CA has another service key on record for this serial: the agent will not attest with a key the CA does not know.
        using (var other = System.Security.Cryptography.RSA.Create(2048))
        {
            await ExecuteAsync(product, "UPDATE SecureDevices SET ServiceKeyPublicKey = $key WHERE SerialNumber = $serial", product.Demo.Serial, other.ExportSubjectPublicKeyInfo());
        }

        await holder.StartRequestAsync("Standard", DemoDevice.Holder);
        await new SecretDialog(holder.Page).SubmitAndCloseAsync(("pin", DemoDevice.Pin));
        await Assertions.Expect(SecretDialog.Notification(holder.Page, PortalTexts.Czech("TokenCare.Error.ServiceKeyMissing"))).ToBeVisibleAsync();
        (await product.AuditAsync("request.submitted")).ShouldBeEmpty();
        (await product.AuditAsync("request.refused")).Count.ShouldBe(2);
    }

    private static async Task RefusedAsync(TokenPage page, DemoDevice demo, string reason)
    {
        await page.StartRequestAsync("Standard", DemoDevice.Holder);
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("pin", DemoDevice.Pin));
        var refused = page.Page.Locator("[data-testid=request-refused]");
        await Assertions.Expect(refused).ToHaveAttributeAsync("data-reason", reason);
        await Assertions.Expect(refused).ToHaveTextAsync(PortalTexts.Czech($"Requests.Refusal.{reason}"));
        await page.Page.Locator("[data-testid=request-result-close]").ClickAsync();

        // The key made for the refused request is a leftover now; the holder clears it (the clean-up wizard's own test covers that page).
        foreach (var key in (await demo.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).Where(o => o.Label.StartsWith("p11#", StringComparison.Ordinal)))
        {
            var type = key.Kind == "Private Key" ? "privkey" : "pubkey";
            (await demo.Pkcs11ToolAsync(DemoDevice.StandardLabel, "--login", "--pin", DemoDevice.Pin, "--delete-object", "--type", type, "--id", key.IdHex)).ExitCode.ShouldBe(0);
        }

        await page.Page.Locator("[data-testid=action-refresh]").ClickAsync();
    }

    private static async Task<string> RequestAsync(TokenPage page)
    {
        await page.StartRequestAsync("Qualified", DemoDevice.Holder, "jan.novak@example.cz");
        await new SecretDialog(page.Page).SubmitAndCloseAsync(("pin", DemoDevice.Pin), ("qpin", DemoDevice.QPin));
        var number = page.Page.Locator("[data-testid=request-number]");
        await Assertions.Expect(number).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^BP[0-9]{10}$"));
        var text = await number.InnerTextAsync();

        // The summary to take to the branch, printable.
        var summary = await page.Page.Context.NewPageAsync();
        await summary.GotoAsync(page.Page.Url.Replace("/token", "/", StringComparison.Ordinal) + await page.Page.Locator("[data-testid=request-summary]").GetAttributeAsync("href"));
        await Assertions.Expect(summary.Locator("[data-testid=summary-number]")).ToHaveTextAsync(text);
        await Assertions.Expect(summary.Locator("[data-testid=summary-next]")).ToContainTextAsync(PortalTexts.Czech("Requests.Summary.NextBranch")[..40]);
        await summary.CloseAsync();

        await page.Page.Locator("[data-testid=request-result-close]").ClickAsync();
        return text;
    }

    private static async Task ExecuteAsync(ProductUnderTest product, string sql, string serial, byte[]? key = null)
    {
        await using var connection = new SqliteConnection($"Data Source={product.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$serial", serial);
        if (key is not null)
        {
            command.Parameters.AddWithValue("$key", key);
        }

        (await command.ExecuteNonQueryAsync()).ShouldBeGreaterThan(0);
    }
}

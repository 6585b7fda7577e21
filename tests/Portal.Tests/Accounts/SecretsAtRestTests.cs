using System.Net;
using System.Security.Claims;
using System.Xml.Linq;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Infrastructure.DataProtection;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>
/// Issue #14: a copy of the database must not be enough to become anyone. The attacker here has only a copy of the SQLite
/// file and the framework's public APIs, and tries what the review's tool did: read the key ring, read a real cookie,
/// mint a representative's cookie with the second factor, read an authenticator key.
/// </summary>
public sealed class SecretsAtRestTests : IDisposable
{
    private const string CookiePurpose = "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware";
    private readonly LogCapture _logs = new();

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task A_copy_of_the_database_file_neither_reads_nor_forges_a_sign_in_cookie_nor_yields_an_authenticator_key()
    {
        await using var server = await PortalServer.StartAsync(LogCapture.Into(_logs));
        var data = new TestData(server.App.Services);
        var organisation = await data.OrganisationAsync();
        var applicant = await data.ApplicantAsync(organisation, "Petr");
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation, applicant);
        var recoveryCodes = await RecoveryCodesAsync(server, representative);
        using var session = new PortalSession(server.Address);
        await session.SignInAsync(representative.UserName, representative.Password, representative.AuthenticatorKey);
        var cookie = session.Cookies.GetCookies(server.Address).Single(c => c.Name == AccountSetup.CookieName).Value;
        // The portal itself reads its cookie: the attacker's failure below is the missing token, not a wrong test.
        Cookies(server.App.Services.GetRequiredService<IDataProtectionProvider>()).Unprotect(cookie).ShouldNotBeNull();

        var copy = CopyDatabase(server);
        try
        {
            // The key ring: every key's secret encrypted, no master key in clear.
            var ring = Query(copy, "SELECT Xml FROM DataProtectionKeys");
            ring.ShouldNotBeEmpty();
            ring.ShouldAllBe(xml => xml.Contains("encryptedSecret") && !xml.Contains("masterKey"));

            // A Data Protection system made from the copied key ring alone cannot read the portal's cookie...
            using var attacker = AttackerDataProtection(ring);
            var format = Cookies(attacker.GetRequiredService<IDataProtectionProvider>());
            format.Unprotect(cookie).ShouldBeNull();

            // ...nor mint a representative's cookie with the second factor that the portal accepts.
            var stamp = Query(copy, $"SELECT SecurityStamp FROM AspNetUsers WHERE Id = '{representative.UserId}'").Single();
            var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, representative.UserId),
                new Claim(ClaimTypes.Name, representative.UserName),
                new Claim("AspNet.Identity.SecurityStamp", stamp),
                new Claim(PortalClaims.AuthenticationMethods, PortalClaims.MultiFactor),
            ], IdentityConstants.ApplicationScheme);
            var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), IdentityConstants.ApplicationScheme);
            string? forged = null;
            try
            {
                forged = format.Protect(ticket);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // No usable key in the copied ring: nothing to sign with.
            }

            if (forged is not null)
            {
                using var forgedSession = server.NewClient();
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/applicants/{applicant.Id}");
                request.Headers.Add("Cookie", $"{AccountSetup.CookieName}={forged}");
                using var response = await forgedSession.SendAsync(request);
                response.StatusCode.ShouldBe(HttpStatusCode.Redirect, "a cookie made from the copy is not accepted");
            }

            // The second factor's secrets: no authenticator key and no recovery code in clear.
            var secrets = Query(copy, $"SELECT Name || '=' || Value FROM AspNetUserTokens WHERE UserId = '{representative.UserId}'");
            secrets.ShouldContain(s => s.StartsWith("AuthenticatorKey=dp1:", StringComparison.Ordinal));
            secrets.ShouldContain(s => s.StartsWith("RecoveryCodes=h1;", StringComparison.Ordinal));
            var key = representative.AuthenticatorKey!;
            secrets.ShouldAllBe(s => !s.Contains(key, StringComparison.OrdinalIgnoreCase));
            foreach (var code in recoveryCodes)
            {
                secrets.ShouldAllBe(s => !s.Contains(code, StringComparison.OrdinalIgnoreCase));
            }

            // The whole file, free pages included: neither the key nor a code anywhere.
            var file = System.Text.Encoding.ASCII.GetString(await File.ReadAllBytesAsync(copy));
            file.ShouldNotContain(key);
            file.ShouldNotContain("<masterKey");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(copy);
        }

        _logs.Text.ShouldNotContain("unencrypted form");
    }

    [Theory]
    [MemberData(nameof(BothProviders.Providers), MemberType = typeof(BothProviders))]
    public async Task A_restarted_portal_reads_its_cookies_again_through_the_token(DatabaseProvider provider)
    {
        await using var first = await PortalServer.StartAsync(provider, LogCapture.Into(_logs));
        var data = new TestData(first.App.Services);
        var organisation = await data.OrganisationAsync();
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, organisation);
        using var session = new PortalSession(first.Address);
        await session.SignInAsync(representative.UserName, representative.Password, representative.AuthenticatorKey);
        var cookie = session.Cookies.GetCookies(first.Address).Single(c => c.Name == AccountSetup.CookieName).Value;
        var ring = await data.DbAsync(db => db.DataProtectionKeys.Select(k => k.Xml).ToListAsync());
        ring.ShouldNotBeEmpty();
        ring.ShouldAllBe(xml => xml.Contains("encryptedSecret") && !xml.Contains("masterKey"));
        var stored = await data.DbAsync(db => db.UserTokens.Where(t => t.UserId == representative.UserId && t.Name == PortalUserStore.AuthenticatorKeyName).Select(t => t.Value).SingleAsync());
        stored.ShouldStartWith(AuthenticatorKeyProtection.Prefix);
        stored.ShouldNotContain(representative.AuthenticatorKey!);

        // Another start on the same database (SQLite: the same data folder; PostgreSQL: another instance of the cluster).
        string[] same = provider == DatabaseProvider.Sqlite ? ["--Portal:DataDirectory", first.DataDirectory] : first.SameDatabaseArguments();
        await using var second = await PortalServer.StartAsync(LogCapture.Into(_logs), same);
        using var client = second.NewClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/applicants");
        request.Headers.Add("Cookie", $"{AccountSetup.CookieName}={cookie}");
        using var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, "the restarted portal decrypts its keys through the token and reads the cookie");
        _logs.Text.ShouldNotContain("unencrypted form");
    }

    [Fact]
    public async Task Keys_and_second_factor_secrets_stored_in_clear_before_are_protected_at_start_and_keep_working()
    {
        await using var server = await PortalServer.StartAsync();
        var data = new TestData(server.App.Services);
        var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, await data.OrganisationAsync());

        // As an older portal stored them: a key ring entry with its master key in clear, the key and codes in clear.
        var oldRing = new List<XElement>();
        using var old = OldDataProtection(oldRing);
        var payload = old.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("still readable");
        await data.DbAsync(async db =>
        {
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = "old", Xml = oldRing.Single().ToString(SaveOptions.DisableFormatting) });
            var tokens = await db.UserTokens.Where(t => t.UserId == representative.UserId).ToListAsync();
            tokens.Single(t => t.Name == PortalUserStore.AuthenticatorKeyName).Value = representative.AuthenticatorKey;
            db.UserTokens.Add(new IdentityUserToken<string> { UserId = representative.UserId, LoginProvider = PortalUserStore.StoreProvider, Name = PortalUserStore.RecoveryCodesName, Value = "AAAAA-BBBBB;CCCCC-DDDDD" });
            return await db.SaveChangesAsync();
        });
        (await data.DbAsync(db => db.DataProtectionKeys.CountAsync(k => k.Xml.Contains("<masterKey")))).ShouldBe(1);

        await KeyProtectionSetup.PrepareAsync(server.App.Services);
        await StoredSecretsProtection.ProtectStoredAsync(server.App.Services);

        (await data.DbAsync(db => db.DataProtectionKeys.CountAsync(k => k.Xml.Contains("masterKey")))).ShouldBe(0);
        var tokensAfter = await data.DbAsync(db => db.UserTokens.AsNoTracking().Where(t => t.UserId == representative.UserId).ToListAsync());
        tokensAfter.Single(t => t.Name == PortalUserStore.AuthenticatorKeyName).Value.ShouldStartWith(AuthenticatorKeyProtection.Prefix);
        tokensAfter.Single(t => t.Name == PortalUserStore.RecoveryCodesName).Value.ShouldStartWith(RecoveryCodeHashes.Prefix);
        tokensAfter.ShouldAllBe(t => !t.Value!.Contains("AAAAA"));

        await using var scope = server.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByIdAsync(representative.UserId))!;
        (await users.GetAuthenticatorKeyAsync(user)).ShouldBe(representative.AuthenticatorKey);
        (await users.CountRecoveryCodesAsync(user)).ShouldBe(2);
        (await users.RedeemTwoFactorRecoveryCodeAsync(user, "ccccc-ddddd")).Succeeded.ShouldBeTrue();

        // A portal started afresh on this data reads what the old key protected, decrypting that key through the token.
        await using var restarted = await PortalServer.StartAsync("--Portal:DataDirectory", server.DataDirectory);
        restarted.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(payload).ShouldBe("still readable");
    }

    [Fact]
    public async Task A_configured_certificate_protects_the_keys_instead_of_the_token()
    {
        var folder = RepositoryPaths.NewTemporaryDirectory("dp-certificate");
        try
        {
            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Portal key protection (test)", rsa,
                System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            var pfx = Path.Combine(folder, "dp.pfx");
            await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pfx-password"));

            await using var server = await PortalServer.StartAsync(LogCapture.Into(_logs),
                "--DataProtection:KeyProtection", "Certificate", "--DataProtection:CertificatePath", pfx, "--DataProtection:CertificatePassword", "pfx-password");
            var data = new TestData(server.App.Services);
            var representative = await data.AccountAsync(PortalRoles.CompanyRepresentative, await data.OrganisationAsync());
            using var session = new PortalSession(server.Address);
            await session.SignInAsync(representative.UserName, representative.Password, representative.AuthenticatorKey);
            (await session.GetAsync("/applicants")).StatusCode.ShouldBe(HttpStatusCode.OK);

            var ring = await data.DbAsync(db => db.DataProtectionKeys.Select(k => k.Xml).ToListAsync());
            ring.ShouldNotBeEmpty();
            ring.ShouldAllBe(xml => xml.Contains("encryptedSecret") && xml.Contains("EncryptedXmlDecryptor") && !xml.Contains("masterKey"));
            _logs.Text.ShouldNotContain("unencrypted form");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_certificate_stops_the_start()
    {
        var failure = await Should.ThrowAsync<KeyProtectionException>(() => PortalServer.StartAsync("--DataProtection:KeyProtection", "Certificate"));
        failure.Message.ShouldContain("CertificatePath");
    }

    [Fact]
    public async Task Without_its_token_the_portal_does_not_start()
    {
        var failure = await Should.ThrowAsync<Exception>(() => PortalServer.StartAsync("--Ca:Pkcs11:TokenLabel", "no-such-token"));
        failure.Message.ShouldContain("no-such-token");
    }

    [Fact]
    public async Task Keys_stored_in_clear_are_refused_outside_development()
    {
        var failure = await Should.ThrowAsync<KeyProtectionException>(() => PortalServer.StartAsync("--DataProtection:KeyProtection", "None"));
        failure.Message.ShouldContain("Development");
    }

    private static async Task<IReadOnlyList<string>> RecoveryCodesAsync(PortalServer server, TestAccount account)
    {
        await using var scope = server.App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = (await users.FindByIdAsync(account.UserId))!;
        return await scope.ServiceProvider.GetRequiredService<RecoveryCodes>().ReplaceAsync(user, account.UserName);
    }

    private static TicketDataFormat Cookies(IDataProtectionProvider provider) =>
        new(provider.CreateProtector(CookiePurpose, IdentityConstants.ApplicationScheme, "v2"));

    /// <summary>What an attacker copies: the database file (SQLite's backup copies every page of it, free ones included).</summary>
    private static string CopyDatabase(PortalServer server)
    {
        var copy = Path.Combine(Path.GetTempPath(), $"stolen-{Guid.NewGuid():N}.db");
        using var source = new SqliteConnection($"Data Source={server.DatabasePath};Pooling=False");
        using var target = new SqliteConnection($"Data Source={copy};Pooling=False");
        source.Open();
        target.Open();
        source.BackupDatabase(target);
        return copy;
    }

    private static List<string> Query(string databaseFile, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={databaseFile};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    /// <summary>Data Protection as the framework makes it, with the application name the portal uses and the copied key ring.</summary>
    private static ServiceProvider AttackerDataProtection(IReadOnlyList<string> ring)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName(KeyProtectionSetup.ApplicationName);
        services.Configure<KeyManagementOptions>(options =>
        {
            options.XmlRepository = new ListRepository(ring.Select(x => XElement.Parse(x)).ToList());
            options.AutoGenerateKeys = false;
        });
        return services.BuildServiceProvider();
    }

    private static ServiceProvider OldDataProtection(List<XElement> ring)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName(KeyProtectionSetup.ApplicationName);
        services.Configure<KeyManagementOptions>(options => options.XmlRepository = new ListRepository(ring));
        return services.BuildServiceProvider();
    }

    private sealed class ListRepository(List<XElement> elements) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => elements.ToList();

        public void StoreElement(XElement element, string friendlyName) => elements.Add(element);
    }
}

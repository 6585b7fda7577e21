using System.Diagnostics;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Revocation;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Support;

namespace Qtsp.Portal.Tests.Revocation;

/// <summary>Revocation without signing in, with the revocation password: hashed, throttled, and silent about what exists.</summary>
public sealed class PasswordRevocationTests(RevocationPortals portals) : IClassFixture<RevocationPortals>
{
    public static TheoryData<DatabaseProvider> Providers() => RevocationPortals.Providers();

    private static async Task<PasswordRevocationResult> RevokeAsync(IServiceProvider services, string address, string identifier, string password,
        RevocationReason reason = RevocationReason.KeyCompromise)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<RequestOrigin>().Address = address;
        return await scope.ServiceProvider.GetRequiredService<PasswordRevocation>().RevokeAsync(identifier, password, reason);
    }

    private static async Task<(Applicant Applicant, Certificate Certificate, string Password)> WithPasswordAsync(TestData data)
    {
        var applicant = await data.ApplicantAsync(null, "Tereza");
        var certificate = await data.CertificateAsync(applicant);
        var password = RevocationPasswords.Generate();
        await data.DbAsync(db => db.Certificates.Where(c => c.Id == certificate.Id)
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.RevocationPasswordHash, RevocationPasswords.Hash(password))));
        return (applicant, certificate, password);
    }

    private static Task<Certificate> StoredAsync(TestData data, long id) => data.DbAsync(db => db.Certificates.AsNoTracking().SingleAsync(c => c.Id == id));

    private static string NewAddress() => $"203.0.113.{Random.Shared.Next(1, 255)}-{Guid.NewGuid():N}"[..40];

    [Fact]
    public void The_hash_is_not_the_password_and_verifies_only_with_it()
    {
        var password = RevocationPasswords.Generate();
        var hash = RevocationPasswords.Hash(password);

        password.Length.ShouldBe(RevocationPasswords.GeneratedLength);
        password.ShouldAllBe(c => RevocationPasswords.Alphabet.Contains(c));
        // Only the alphabet without look-alikes (Shouldly compares strings case-insensitively unless told otherwise).
        password.ShouldAllBe(c => RevocationPasswords.Alphabet.Contains(c));
        foreach (var lookalike in "0O1lI")
        {
            RevocationPasswords.Alphabet.ShouldNotContain(lookalike.ToString(), Case.Sensitive);
        }
        hash.ShouldNotContain(password);
        hash.Length.ShouldBeLessThanOrEqualTo(Certificate.PasswordHashMaxLength);
        RevocationPasswords.Hash(password).ShouldNotBe(hash, "a random salt per hash");
        RevocationPasswords.Verify(hash, password).ShouldBeTrue();
        RevocationPasswords.Verify(hash, password + "x").ShouldBeFalse();
        RevocationPasswords.Verify(hash, password[1..] + password[0]).ShouldBeFalse();
        RevocationPasswords.Problems("P", "short").ShouldContain(e => e.MessageKey == "Revocation.Password.TooShort");
        RevocationPasswords.Problems("P", "long enough 12").ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_right_password_revokes_by_serial_or_by_e_mail_audited_as_anonymous_from_the_address(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var bySerial = await WithPasswordAsync(data);
        var byEmail = await WithPasswordAsync(data);
        var address = NewAddress();

        (await RevokeAsync(portals.Server(provider).App.Services, address, bySerial.Certificate.SerialNumber.ToLowerInvariant(), bySerial.Password)).ShouldBe(PasswordRevocationResult.Revoked);
        (await RevokeAsync(portals.Server(provider).App.Services, address, " " + byEmail.Applicant.Email.ToUpperInvariant(), byEmail.Password, RevocationReason.CessationOfOperation))
            .ShouldBe(PasswordRevocationResult.Revoked);

        var stored = await StoredAsync(data, bySerial.Certificate.Id);
        (stored.Status, stored.RevocationReason, stored.RevokedBy).ShouldBe((CertificateStatus.Revoked, RevocationReason.KeyCompromise, AuditTrail.Anonymous));
        (await StoredAsync(data, byEmail.Certificate.Id)).RevocationReason.ShouldBe(RevocationReason.CessationOfOperation);
        var revoked = (await data.AuditAsync()).Single(a => a.Action == AuditActions.CertificateRevoked && a.Subject == AuditSubjects.Applicant(bySerial.Applicant.Id));
        (revoked.Actor, revoked.SourceAddress).ShouldBe((AuditTrail.Anonymous, address));
        revoked.Details!.ShouldContain(RevocationRecord.ViaRevocationPassword);
        revoked.Details!.ShouldNotContain(bySerial.Password);
        (await data.DbAsync(db => db.OutboxMessages.CountAsync(m => m.Recipient == bySerial.Applicant.Email))).ShouldBe(1);
        portals.Publisher(provider).Calls.ShouldContain((bySerial.Certificate.Issuer, true));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Five_wrong_passwords_lock_the_certificate_and_the_right_one_is_refused_while_locked(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var (_, certificate, password) = await WithPasswordAsync(data);

        for (var i = 0; i < Throttling.MaxFailures; i++)
        {
            // From a new address each time: the certificate's own count locks it.
            (await RevokeAsync(portals.Server(provider).App.Services, NewAddress(), certificate.SerialNumber, "wrong password " + i)).ShouldBe(PasswordRevocationResult.Refused);
        }

        (await RevokeAsync(portals.Server(provider).App.Services, NewAddress(), certificate.SerialNumber, password)).ShouldBe(PasswordRevocationResult.Locked);
        (await StoredAsync(data, certificate.Id)).Status.ShouldBe(CertificateStatus.Issued);
        var keys = await data.DbAsync(db => db.Throttles.AsNoTracking().Select(t => t.Key).ToListAsync());
        keys.ShouldContain(Throttling.Key("revpw-cert:", certificate.SerialNumber));
        keys.ShouldAllBe(k => k.Length == 64 && !k.Contains(certificate.SerialNumber, StringComparison.OrdinalIgnoreCase), "only hashes of the keys are stored");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_lock_of_an_address_covers_every_serial_tried_from_it(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var (_, certificate, password) = await WithPasswordAsync(data);
        var address = NewAddress();

        for (var i = 0; i < Throttling.MaxFailures; i++)
        {
            (await RevokeAsync(portals.Server(provider).App.Services, address, $"ABCDEF{i:X2}{Guid.NewGuid():N}"[..20], "wrong password " + i)).ShouldBe(PasswordRevocationResult.Refused);
        }

        (await RevokeAsync(portals.Server(provider).App.Services, address, certificate.SerialNumber, password)).ShouldBe(PasswordRevocationResult.Locked);
        (await StoredAsync(data, certificate.Id)).Status.ShouldBe(CertificateStatus.Issued);
        (await RevokeAsync(portals.Server(provider).App.Services, NewAddress(), certificate.SerialNumber, password)).ShouldBe(PasswordRevocationResult.Revoked, "from another address the certificate is not locked");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_unknown_serial_or_e_mail_gets_the_very_page_a_wrong_password_gets(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var (applicant, certificate, _) = await WithPasswordAsync(data);

        var wrong = await PostAsync(portals.Server(provider), certificate.SerialNumber, "wrong password 1");
        var unknownSerial = await PostAsync(portals.Server(provider), "0FEDCBA9876543210", "wrong password 1");
        var unknownEmail = await PostAsync(portals.Server(provider), "nobody-" + applicant.Email, "wrong password 1");

        wrong.ShouldNotBeNullOrWhiteSpace();
        unknownSerial.ShouldBe(wrong);
        unknownEmail.ShouldBe(wrong);
        (await StoredAsync(data, certificate.Id)).Status.ShouldBe(CertificateStatus.Issued);
    }

    [Fact]
    public async Task An_unknown_certificate_takes_as_long_as_a_wrong_password()
    {
        const DatabaseProvider provider = DatabaseProvider.Sqlite;
        var data = portals.Data(provider);
        const int Tries = 10;
        var known = new List<Certificate>();
        for (var i = 0; i < Tries; i++)
        {
            known.Add((await WithPasswordAsync(data)).Certificate);
        }

        await RevokeAsync(portals.Server(provider).App.Services, NewAddress(), "00AA", "warm up the hasher");
        var unknown = new List<double>();
        var wrong = new List<double>();
        for (var i = 0; i < Tries; i++)
        {
            // Interleaved, from new addresses, each certificate tried once: nothing locks, drift hits both alike.
            unknown.Add(await TimeAsync(() => RevokeAsync(portals.Server(provider).App.Services, NewAddress(), $"77{Guid.NewGuid():N}"[..18].ToUpperInvariant(), "wrong password")));
            wrong.Add(await TimeAsync(() => RevokeAsync(portals.Server(provider).App.Services, NewAddress(), known[i].SerialNumber, "wrong password")));
        }

        var ratio = Median(unknown) / Median(wrong);
        ratio.ShouldBeInRange(0.5, 2.0, $"unknown {Median(unknown):F1} ms, wrong {Median(wrong):F1} ms");
    }

    private static async Task<double> TimeAsync(Func<Task<PasswordRevocationResult>> attempt)
    {
        var watch = Stopwatch.StartNew();
        (await attempt()).ShouldBe(PasswordRevocationResult.Refused);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The /revoke form posted as a browser posts it (antiforgery included); the answer's text.</summary>
    private static async Task<string> PostAsync(PortalServer server, string identifier, string password)
    {
        using var session = new PortalSession(server.Address);
        var page = await session.OkPageAsync("/revoke");
        using var response = await session.PostFormAsync("/revoke", page, "revoke", new Dictionary<string, string>
        {
            ["Input.Identifier"] = identifier,
            ["Input.Password"] = password,
            ["Input.Reason"] = nameof(RevocationReason.KeyCompromise),
        });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        var result = document.QuerySelector("[data-testid=revoke-result]").ShouldNotBeNull();
        result.GetAttribute("data-result").ShouldBe("not-revoked");
        return result.TextContent.Trim();
    }
}

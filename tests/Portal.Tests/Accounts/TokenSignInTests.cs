using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Tests.Hosting;
using Qtsp.Portal.Tests.Revocation;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Tests.Accounts;

/// <summary>
/// Signing in with the certificate on the token, over HTTP as the sign-in page's script does it: the test answers the
/// page's challenge as the agent answers it (SHA-256(origin) || SHA-256(nonce), signed by a key the portal's own CA
/// certified). The agent's side (PIN proven, only a standard-area authentication key) is tested in the agent's tests and
/// in Chromium.
/// </summary>
public sealed class TokenSignInTests(RevocationPortals portals) : IClassFixture<RevocationPortals>
{
    public static TheoryData<DatabaseProvider> Providers() => RevocationPortals.Providers();

    private static int _addresses;

    private sealed record Challenge(IHtmlDocument Page, byte[] Nonce)
    {
        public string Sealed => Page.QuerySelector("input[name='Input.Challenge']")!.GetAttribute("value")!;
    }

    /// <summary>A browser at an address of its own: the sign-in limits count per address, and each case here is someone else.</summary>
    private PortalSession NewSession(DatabaseProvider provider, string? culture = null)
    {
        var session = new PortalSession(portals.Server(provider).Address, culture);
        session.SetForwardedFor($"198.51.{Interlocked.Increment(ref _addresses) / 250}.{_addresses % 250 + 1}");
        return session;
    }

    private static async Task<Challenge> OpenAsync(PortalSession session)
    {
        var page = await session.OkPageAsync("/account/login/token");
        var nonce = Convert.FromBase64String(page.QuerySelector("[data-testid=token-sign-in]").ShouldNotBeNull().GetAttribute("data-nonce")!);
        return new Challenge(page, nonce);
    }

    private static Dictionary<string, string> Answer(X509Certificate2 signer, string origin, byte[] nonce)
    {
        using var key = signer.GetECDsaPrivateKey()!;
        var signature = key.SignData(ChallengeSigned.SignedValue(origin, nonce), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new Dictionary<string, string>
        {
            ["Input.Certificate"] = Convert.ToBase64String(signer.RawData),
            ["Input.Signature"] = Convert.ToBase64String(signature),
            ["Input.Algorithm"] = "ECDSA-SHA256",
        };
    }

    private static Dictionary<string, string> WithCertificate(Dictionary<string, string> answer, byte[] certificate)
    {
        answer["Input.Certificate"] = Convert.ToBase64String(certificate);
        return answer;
    }

    private string Origin(DatabaseProvider provider) => portals.Server(provider).Address.GetLeftPart(UriPartial.Authority);

    private async Task<(TestAccount Account, CertifiedKey Commercial, Applicant Applicant)> HolderAsync(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var applicant = await data.ApplicantAsync(null, "Tomáš");
        var device = await data.DeviceAsync(applicant);
        var commercial = await CertifiedKeys.IssueAsync(data, portals.Server(provider).App.Services, applicant, device, CertificateType.Commercial);
        return (await data.AccountAsync(PortalRoles.Holder, applicant: applicant), commercial, applicant);
    }

    private static async Task<string> RefusalAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"a refusal shows the page again, it never signs in: {body}");
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(body);
        return page.QuerySelector("[data-testid=token-login-error]").ShouldNotBeNull().GetAttribute("data-outcome")!;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_holder_signs_in_with_the_commercial_certificate_on_the_token_and_the_answer_does_not_sign_in_twice(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var (account, commercial, _) = await HolderAsync(provider);
        using var session = NewSession(provider);
        var challenge = await OpenAsync(session);
        var answer = Answer(commercial.WithKey, Origin(provider), challenge.Nonce);

        using var signedIn = await session.PostFormAsync("/account/login/token", challenge.Page, "token-login", answer);

        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync());
        var token = await session.OkPageAsync("/token");
        token.QuerySelector("[data-testid=user-name]").ShouldNotBeNull().TextContent.ShouldContain("Test Holder");
        var audit = await data.DbAsync(db => db.AuditEvents.AsNoTracking().Where(a => a.Action == AuditActions.SignedIn && a.Actor == account.UserName).ToListAsync());
        audit.ShouldHaveSingleItem().Details.ShouldNotBeNull().ShouldContain("\"method\":\"token\"");
        audit[0].Details!.ShouldContain(commercial.Record.SerialNumber);

        // The same answer posted again, from another browser (with that page's own form): the challenge was spent.
        using var thief = NewSession(provider);
        var thiefsPage = await OpenAsync(thief);
        using var replayed = await thief.PostFormAsync("/account/login/token", thiefsPage.Page, "token-login", new Dictionary<string, string>(answer) { ["Input.Challenge"] = challenge.Sealed });
        (await RefusalAsync(replayed)).ShouldBe(nameof(TokenSignInOutcome.ChallengeInvalid));
        (await thief.GetAsync("/token")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Answers_that_do_not_prove_a_valid_certificate_of_a_holder_here_are_refused_and_audited(DatabaseProvider provider)
    {
        var data = portals.Data(provider);
        var services = portals.Server(provider).App.Services;
        var (_, commercial, applicant) = await HolderAsync(provider);
        var qualified = await CertifiedKeys.IssueAsync(data, services, applicant, null);
        var revoked = await CertifiedKeys.IssueAsync(data, services, applicant, null, CertificateType.Commercial);
        await data.DbAsync(db => db.Certificates.Where(c => c.Id == revoked.Record.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, CertificateStatus.Revoked)));
        var accountless = await CertifiedKeys.IssueAsync(data, services, await data.ApplicantAsync(null, "Bez účtu"), null, CertificateType.Commercial);
        using var foreignKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var foreign = new System.Security.Cryptography.X509Certificates.CertificateRequest(commercial.WithKey.SubjectName, foreignKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var origin = Origin(provider);

        var cases = new (string Why, Func<byte[], Dictionary<string, string>> Answer, TokenSignInOutcome Expected)[]
        {
            ("signed for another site's origin", n => Answer(commercial.WithKey, "https://portal.example.evil", n), TokenSignInOutcome.SignatureInvalid),
            ("signed over another nonce", _ => Answer(commercial.WithKey, origin, RandomNumberGenerator.GetBytes(32)), TokenSignInOutcome.SignatureInvalid),
            ("someone else's certificate with this key's signature", n => WithCertificate(Answer(commercial.WithKey, origin, n), accountless.Record.Der), TokenSignInOutcome.SignatureInvalid),
            ("a look-alike certificate the CA never issued", n => Answer(foreign, origin, n), TokenSignInOutcome.CertificateUnknown),
            ("a revoked certificate", n => Answer(revoked.WithKey, origin, n), TokenSignInOutcome.CertificateNotValid),
            ("the qualified certificate", n => Answer(qualified.WithKey, origin, n), TokenSignInOutcome.NotForSignIn),
            ("a holder without an account", n => Answer(accountless.WithKey, origin, n), TokenSignInOutcome.NoAccount),
            ("garbage", _ => new() { ["Input.Certificate"] = "%%%", ["Input.Signature"] = "AAAA", ["Input.Algorithm"] = "RSA-PKCS1-SHA256" }, TokenSignInOutcome.SignatureInvalid),
        };
        var refusalsBefore = await data.DbAsync(db => db.AuditEvents.CountAsync(a => a.Action == AuditActions.TokenSignInRefused));
        foreach (var (why, answer, expected) in cases)
        {
            using var session = NewSession(provider);
            var challenge = await OpenAsync(session);
            using var response = await session.PostFormAsync("/account/login/token", challenge.Page, "token-login", answer(challenge.Nonce));
            (await RefusalAsync(response)).ShouldBe(expected.ToString(), why);
            (await session.GetAsync("/token")).StatusCode.ShouldBe(HttpStatusCode.Redirect, why);
        }

        (await data.DbAsync(db => db.AuditEvents.CountAsync(a => a.Action == AuditActions.TokenSignInRefused))).ShouldBe(refusalsBefore + cases.Length);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_altered_or_expired_challenge_is_refused_and_the_agents_refusal_is_explained_without_signing_in(DatabaseProvider provider)
    {
        var (_, commercial, _) = await HolderAsync(provider);
        using var session = NewSession(provider, "en");
        var challenge = await OpenAsync(session);
        var altered = Answer(commercial.WithKey, Origin(provider), challenge.Nonce);
        altered["Input.Challenge"] = challenge.Sealed[..^4] + "AAAA";
        using var response = await session.PostFormAsync("/account/login/token", challenge.Page, "token-login", altered);
        (await RefusalAsync(response)).ShouldBe(nameof(TokenSignInOutcome.ChallengeInvalid));

        // Issued six minutes ago (the clock moved): past its lifetime.
        var services = portals.Server(provider).App.Services;
        var clock = new TestClock(DateTimeOffset.UtcNow.AddMinutes(-6));
        var old = new TokenChallenges(services.GetRequiredService<IDataProtectionProvider>(), services.GetRequiredService<DataAccess>(), clock).Issue();
        var current = new TokenChallenges(services.GetRequiredService<IDataProtectionProvider>(), services.GetRequiredService<DataAccess>(), TimeProvider.System);
        (await current.SpendAsync(old.Sealed)).Refusal.ShouldBe(ChallengeRefusal.Expired);
        var fresh = current.Issue();
        (await current.SpendAsync(fresh.Sealed)).Nonce.ShouldBe(fresh.Nonce);
        (await current.SpendAsync(fresh.Sealed)).Refusal.ShouldBe(ChallengeRefusal.Replayed);

        // The agent refused (the PIN is blocked): the page says what to do, in the user's language.
        var again = await OpenAsync(session);
        using var blocked = await session.PostFormAsync("/account/login/token", again.Page, "token-login", new Dictionary<string, string>
        {
            ["Input.Error"] = """{"code":"PinLocked","pin":"Pin","leftoverKeyIdHex":"<b>phish</b>"}""",
            ["Input.Model"] = "etoken-5110-cc",
        });
        var text = await blocked.Content.ReadAsStringAsync();
        (await RefusalAsync(blocked)).ShouldBe("AgentError");
        text.ShouldContain("PUK");
        text.ShouldNotContain("phish");
        (await session.GetAsync("/token")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }
}

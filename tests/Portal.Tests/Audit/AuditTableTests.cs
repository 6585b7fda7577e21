using Bunit;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Tests.Components;
using Qtsp.Portal.Tests.Localization;

namespace Qtsp.Portal.Tests.Audit;

/// <summary>The audit trail reads as sentences in the page's language: no event names, no JSON.</summary>
public sealed class AuditTableTests : PortalComponentTest
{
    private static AuditEvent Event(string action, string? details, string? subject = "applicant:7") => new()
    {
        Id = 1,
        OccurredAtUtc = new DateTime(2026, 11, 30, 8, 5, 0, DateTimeKind.Utc),
        Actor = "dvorak",
        Action = action,
        Subject = subject,
        Details = details,
        SourceAddress = "192.0.2.1",
    };

    private static readonly AuditEvent[] Trail =
    [
        Event(AuditActions.CertificateRevoked, """{"certificate":5,"serialNumber":"0A1B2C","reason":"AffiliationChanged"}"""),
        Event(AuditActions.ApplicantBlocked, """{"reason":"Odchod z firmy"}"""),
        Event(AuditActions.ApplicantChanged, """{"changed":["Email","Phone"],"before":{},"after":{}}"""),
        Event("something.new", """{"secret":"x"}"""),
        Event(AuditActions.DeviceCertificationEnded, """{"device":"5110CC0000000009","until":"2026-11-29T23:00:00.0000000+00:00","revoked":2}""", "device:4"),
    ];

    private string[] Sentences() =>
        Render<AuditTable>(p => p.Add(t => t.Events, Trail)).FindAll("[data-testid=audit-sentence]").Select(c => c.TextContent.Trim()).ToArray();

    [Fact]
    public void Czech_rows_are_sentences_with_the_events_facts()
    {
        var sentences = Sentences();

        sentences[0].ShouldBe("Zneplatněn certifikát 0A1B2C, důvod: Změna údajů / ukončení pracovního poměru");
        sentences[1].ShouldBe("Žadatel zablokován, důvod: Odchod z firmy");
        sentences[2].ShouldBe($"Změněny údaje žadatele: {ResourceFiles.Czech["Applicants.Email"]}, {ResourceFiles.Czech["Applicants.Phone"]}");
        sentences[3].ShouldBe(ResourceFiles.Czech[AuditSentences.Unknown]);
        sentences[4].ShouldBe("Zařízení 5110CC0000000009 přestalo být kvalifikovaným prostředkem (konec certifikace); zneplatněno kvalifikovaných certifikátů: 2");
    }

    [Fact]
    public void English_rows_are_sentences_too_and_never_show_codes_or_json()
    {
        UseCulture(Qtsp.Portal.Infrastructure.Localization.English);

        var table = Render<AuditTable>(p => p.Add(t => t.Events, Trail));
        var sentences = table.FindAll("[data-testid=audit-sentence]").Select(c => c.TextContent.Trim()).ToArray();

        sentences[0].ShouldBe($"Certificate 0A1B2C revoked, reason: {ResourceFiles.English["Certificates.Reason.AffiliationChanged"]}");
        sentences[1].ShouldBe("Applicant blocked, reason: Odchod z firmy");
        sentences[3].ShouldBe("Other event");
        table.Find("[data-testid=audit-trail]").TextContent.ShouldNotContain("AffiliationChanged");
        table.Find("[data-testid=audit-trail]").TextContent.ShouldNotContain("{");
        table.Find("[data-testid=audit-trail]").TextContent.ShouldNotContain("applicant.blocked");
        table.Find("[data-testid=audit-trail]").TextContent.ShouldContain("(UTC+1)");
    }

    [Fact]
    public void Every_action_the_portal_writes_has_a_sentence_in_both_languages()
    {
        var actions = typeof(AuditActions).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();

        AuditSentences.Keys.Keys.ShouldBe(actions, ignoreOrder: true);
        foreach (var key in AuditSentences.Keys.Values.Append(AuditSentences.Unknown))
        {
            ResourceFiles.Czech.ContainsKey(key).ShouldBeTrue(key);
            ResourceFiles.English.ContainsKey(key).ShouldBeTrue(key);
        }
    }

    [Fact]
    public void Every_revocation_reason_has_its_own_text_and_an_unknown_one_reads_as_not_given()
    {
        foreach (var reason in Enum.GetValues<Qtsp.Portal.Data.RevocationReason>())
        {
            RevocationReasonTexts.Key(reason).ShouldBe($"Certificates.Reason.{reason}");
            RevocationReasonTexts.Key(reason.ToString()).ShouldBe($"Certificates.Reason.{reason}");
        }

        RevocationReasonTexts.Key("Bogus").ShouldBe("Certificates.Reason.Unspecified");
        RevocationReasonTexts.Key("2").ShouldBe("Certificates.Reason.Unspecified");
        RevocationReasonTexts.Key((string?)null).ShouldBe("Certificates.Reason.Unspecified");
    }
}

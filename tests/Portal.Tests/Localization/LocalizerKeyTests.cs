using System.Text.RegularExpressions;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;

namespace Qtsp.Portal.Tests.Localization;

/// <summary>Every text a page or component asks for exists in both languages, with the arguments its placeholders need.</summary>
public sealed partial class LocalizerKeyTests
{
    private static readonly string PortalDirectory = Path.Combine(RepositoryPaths.Root, "portal");

    private static (string Path, string Text)[] Sources() =>
        Directory.EnumerateFiles(PortalDirectory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .Where(f => !Path.GetRelativePath(PortalDirectory, f).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules" or "wwwroot"))
            .Select(f => (Path.GetRelativePath(RepositoryPaths.Root, f), File.ReadAllText(f)))
            .ToArray();

    private static LocalizerUsage[] Usages() =>
        Sources().SelectMany(s => LocalizerUsageScanner.Scan(s.Path, s.Text)).ToArray();

    /// <summary>
    /// How each interpolated key template expands: the interpolation hole names an enum or a parameter whose values
    /// are known. A new template fails <see cref="Every_interpolated_key_has_known_expansions"/> until it is added here.
    /// </summary>
    private static Dictionary<string, string[]> TemplateExpansions() => new Dictionary<string, string[]>
    {
        // TokenBadges.Pin: l[$"Pin.{status.Kind}"]
        ["Pin.{status.Kind}"] = Enum.GetNames<PinKind>(),
        // TokenDialogs.Name: l[$"Pin.{kind}"]
        ["Pin.{kind}"] = Enum.GetNames<PinKind>(),
        // TokenCare.Describe: l[$"TokenCare.Error.{error.Code}"] for the codes without a text of their own
        ["TokenCare.Error.{error.Code}"] = Enum.GetNames<Qtsp.Shared.Bridge.AgentErrorCode>(),
        // CleanupDialog: the reason badge
        ["TokenCare.Cleanup.{candidate.Reason}"] = Enum.GetNames<Qtsp.Portal.Features.Token.CleanupReason>(),
        // RequestResultDialog: the attestation check
        ["TokenCare.RequestResult.Attestation{Attestation}"] = Enum.GetNames<Qtsp.Portal.Features.Token.AttestationCheck>(),
        // NewRequestDialog: the key type list
        ["TokenCare.Algorithm.{a}"] = Enum.GetNames<Qtsp.Shared.Bridge.KeyAlgorithm>(),
        // DeviceCard: what blocking every secret costs, for the models whose manufacturer says so
        ["TokenCare.Blocking.{Model.Id}"] = DeviceModelCatalogue.All.Where(m => m.BlockingConsequence is not null).Select(m => m.Id).ToArray(),
        // TokenDialogs: progress texts of long operations and the policy retry messages
        ["TokenCare.Stage.{s}"] = Enum.GetNames<Qtsp.Shared.Bridge.OperationStage>(),
        ["TokenCare.Retry.Policy.{violation}"] = Enum.GetNames<PinPolicyViolation>(),
        ["Requests.Refusal.{refusal}"] = Enum.GetNames<Qtsp.Portal.Features.Requests.DeviceRequestRefusal>(),
        ["Requests.Refusal.{reason}"] = Enum.GetNames<Qtsp.Portal.Features.Requests.DeviceRequestRefusal>(),
        ["Issuance.Refusal.{notIssued}"] = Enum.GetNames<Qtsp.Portal.Features.Requests.IssuanceRefusal>(),
        ["Issuance.Refusal.{issuance.Refusal}"] = Enum.GetNames<Qtsp.Portal.Features.Requests.IssuanceRefusal>(),
        ["Issued.Refusal.{outcome.Refusal}"] = Enum.GetNames<Qtsp.Portal.Features.Certificates.AcceptanceRefusal>(),
        ["Registry.{status}"] = Enum.GetNames<Qtsp.Portal.Features.Certificates.RegistryStatus>(),
        // RegistrationPage and RejectRequestDialog: the document types and the refusals of approval and rejection
        ["Registration.DocumentType.{t}"] = Enum.GetNames<IdentityDocumentType>(),
        ["Registration.Refusal.{refusal}"] = Enum.GetNames<Qtsp.Portal.Features.Registration.RegistrationRefusal>(),
        ["TokenSignIn.Refused.{outcome}"] = Enum.GetNames<TokenSignInOutcome>().Where(n => n != nameof(TokenSignInOutcome.SignedIn)).ToArray(),
        ["Login.Entra.{outcome}"] = [nameof(Features.Account.EntraSignIn.EntraSignInOutcome.NotLinked), nameof(Features.Account.EntraSignIn.EntraSignInOutcome.AccountLocked), nameof(Features.Account.EntraSignIn.EntraSignInOutcome.Failed)],
        ["Entra.Link.{outcome}"] = Enum.GetNames<Features.Account.EntraSignIn.EntraLinkOutcome>(),
        ["Role.{role}"] = [.. PortalRoles.All],
        ["Role.{r}"] = [.. PortalRoles.All],
        ["Applicants.SearchBy.{f}"] = Enum.GetNames<ApplicantSearchField>(),
        ["Certificates.Reason.{r}"] = Enum.GetNames<RevocationReason>(),
        ["Revocation.Public.{result}"] = Enum.GetNames<Qtsp.Portal.Features.Revocation.PasswordRevocationResult>(),
        ["Certificates.Type.{certificate.Type}"] = Enum.GetNames<CertificateType>(),
        ["Certificates.Type.{request.Type}"] = Enum.GetNames<CertificateType>(),
        ["Certificates.Type.{t}"] = Enum.GetNames<CertificateType>(),
        ["Certificates.Type.{issued.Type}"] = Enum.GetNames<CertificateType>(),
        ["Requests.Kind.{request.Kind}"] = Enum.GetNames<RequestKind>(),
        ["Requests.Status.{request.Status}"] = Enum.GetNames<RequestStatus>(),
        ["Support.EndReason.{end}"] = Enum.GetNames<SupportSessionEnd>(),
        // Reminders: the certificate type in the mails, the renewal link's refusal page and audit sentence
        ["Certificates.Type.{type}"] = Enum.GetNames<CertificateType>(),
        ["Reminders.Link.{Known}"] = Enum.GetNames<Qtsp.Portal.Features.Reminders.RenewalLinkRefusal>(),
        ["Reminders.Link.{linkRefusal}"] = Enum.GetNames<Qtsp.Portal.Features.Reminders.RenewalLinkRefusal>(),
        // Statistics: the table and chart of certificates by type and state, requests by state, the CSV's items
        ["Certificates.Type.{count.Type}"] = Enum.GetNames<CertificateType>(),
        ["Statistics.State.{state}"] = Enum.GetNames<Qtsp.Portal.Features.Statistics.CertificateState>(),
        ["Statistics.State.{s}"] = Enum.GetNames<Qtsp.Portal.Features.Statistics.CertificateState>(),
        ["Statistics.State.{count.State}"] = Enum.GetNames<Qtsp.Portal.Features.Statistics.CertificateState>(),
        ["Requests.Status.{status}"] = Enum.GetNames<RequestStatus>(),
        // Renewal codes: product, medium and step names, the wizard's refusals
        ["Certificates.Type.{created.Product}"] = Enum.GetNames<CertificateType>(),
        ["Certificates.Type.{product}"] = Enum.GetNames<CertificateType>(),
        ["Certificates.Type.{batch.Product}"] = Enum.GetNames<CertificateType>(),
        ["Certificates.Type.{offer.Product}"] = Enum.GetNames<CertificateType>(),
        ["RenewalCodes.Medium.{created.Medium}"] = Enum.GetNames<KeyMedium>(),
        ["RenewalCodes.Medium.{medium}"] = Enum.GetNames<KeyMedium>(),
        ["RenewalCodes.Medium.{batch.Medium}"] = Enum.GetNames<KeyMedium>(),
        ["RenewalCodes.Medium.{offer.Medium}"] = Enum.GetNames<KeyMedium>(),
        ["RenewalCodes.Medium.{parsed}"] = Enum.GetNames<KeyMedium>(),
        ["RenewalCodes.Offer.Medium.{offer.Medium}"] = Enum.GetNames<KeyMedium>(),
        ["RenewalCodes.Issue.Intro.{_offer!.Medium}"] = Enum.GetNames<KeyMedium>(),
        ["Issuance.Refusal.{outcome.Issuance?.Refusal}"] = Enum.GetNames<Qtsp.Portal.Features.Requests.IssuanceRefusal>(),
        ["RenewalCodes.Step.{step}"] = Enum.GetNames<Qtsp.Portal.Features.RenewalCodes.WizardStep>(),
        ["RenewalCodes.Refusal.{refusal}"] = Enum.GetNames<Qtsp.Portal.Features.RenewalCodes.RenewalCodeRefusal>(),
    };

    [Fact]
    public void The_scan_finds_the_portals_texts()
    {
        var usages = Usages();

        // A scanner that silently finds nothing would pass every other test here.
        usages.Length.ShouldBeGreaterThan(60);
        usages.ShouldContain(u => u.Key == "Agent.NotRunning.Text" && u.ArgumentCount == 1);
        usages.ShouldContain(u => u.Key == "Area.Memory" && u.ArgumentCount == 2);
        usages.ShouldContain(u => u.Key == "Pin.{status.Kind}" && u.Interpolated);
        usages.ShouldContain(u => u.Key == "Support.Banner" && u.ArgumentCount == 2);
        usages.ShouldContain(u => u.Key == "Mail.SupportSession.Body" && u.ArgumentCount == 5, "the mails' texts (MailTexts) are scanned too");
    }

    [Fact]
    public void Every_literal_key_exists_in_both_languages()
    {
        var missing = Usages().Where(u => !u.Interpolated)
            .Where(u => !ResourceFiles.Czech.ContainsKey(u.Key) || !ResourceFiles.English.ContainsKey(u.Key))
            .Select(u => u.ToString())
            .ToArray();

        missing.ShouldBeEmpty();
    }

    [Fact]
    public void Every_interpolated_key_has_known_expansions()
    {
        var expansions = TemplateExpansions();

        Usages().Where(u => u.Interpolated).Select(u => u.Key).Distinct()
            .Where(t => !expansions.ContainsKey(t))
            .ShouldBeEmpty("interpolated keys nobody told this test how to expand");
    }

    [Fact]
    public void Every_expansion_of_an_interpolated_key_exists_in_both_languages()
    {
        var missing = new List<string>();
        foreach (var (template, values) in TemplateExpansions())
        {
            values.ShouldNotBeEmpty(template);
            foreach (var value in values)
            {
                var key = TemplateHole().Replace(template, value);
                if (!ResourceFiles.Czech.ContainsKey(key) || !ResourceFiles.English.ContainsKey(key))
                {
                    missing.Add($"{template} → {key}");
                }
            }
        }

        missing.ShouldBeEmpty();
    }

    [Fact]
    public void Every_use_passes_as_many_arguments_as_the_text_has_placeholders()
    {
        var mismatches = Usages().Where(u => !u.Interpolated && ResourceFiles.Czech.ContainsKey(u.Key))
            .Where(u => ResourceFiles.Placeholders(ResourceFiles.Czech[u.Key]).Count != u.ArgumentCount)
            .Select(u => $"{u}: {u.ArgumentCount} argument(s) for '{ResourceFiles.Czech[u.Key]}'")
            .ToArray();

        mismatches.ShouldBeEmpty();
    }

    [Fact]
    public void The_scanner_reports_keys_arguments_and_templates()
    {
        const string razor = """
            @inject IStringLocalizer<Strings> Texts
            <h1>@L["Nav.Hme"]</h1>
            <p>@L["Area.Memory", a.Sum(x => x[0]), "]"]</p>
            <p>@Texts[$"Pin.{Status.Kind}"]</p>
            <p>@NotL["Ignored"] @model.L["Ignored"]</p>
            """;

        var usages = LocalizerUsageScanner.Scan("Sample.razor", razor);

        usages.Select(u => (u.Key, u.Interpolated, u.ArgumentCount, u.Line)).ShouldBe(
            [("Nav.Hme", false, 0, 2), ("Area.Memory", false, 2, 3), ("Pin.{Status.Kind}", true, 0, 4)],
            ignoreOrder: true);
        ResourceFiles.Czech.ContainsKey("Nav.Hme").ShouldBeFalse("a typo must be reported missing");
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex TemplateHole();
}

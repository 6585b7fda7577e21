using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Infrastructure;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Features.Account;

/// <summary>
/// Signing in with the certificate on the token. The page has no circuit (it sets the sign-in cookie), so its script
/// (wwwroot/js/token-sign-in.js) reaches the agent, lists the standard-area certificates of the attached devices, asks
/// for the PIN in the portal's own secret dialog and has the chosen key sign this page's challenge; it then posts the
/// answer (or the agent's refusal) with this form, and <see cref="TokenSignIns"/> decides.
/// </summary>
public sealed partial class TokenLoginPage
{
    private static readonly JsonSerializerOptions ScriptJson = new(JsonSerializerDefaults.Web);

    [Inject]
    private TokenChallenges Challenges { get; set; } = default!;

    [Inject]
    private TokenSignIns SignIns { get; set; } = default!;

    [Inject]
    private TokenDialogs Dialogs { get; set; } = default!;

    [Inject]
    private IOptions<AgentBridgeOptions> AgentOptions { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromForm(FormName = "token-login")]
    private TokenLoginInput Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    private IssuedChallenge _challenge = default!;
    private string? _message;
    private string? _outcome;

    private string PasswordSignIn => $"account/login?returnUrl={Uri.EscapeDataString(AccountPaths.LocalOrHome(ReturnUrl))}";

    private string PortalOrigin => new Uri(Navigation.BaseUri).GetLeftPart(UriPartial.Authority);

    protected override void OnInitialized()
    {
        Input ??= new();
        _challenge = Challenges.Issue();
    }

    private async Task SubmitAsync()
    {
        if (!string.IsNullOrEmpty(Input.Error))
        {
            // The agent refused (wrong PIN spent its tries, blocked PIN, device removed…): say what to do; nothing to check.
            _message = Describe(Input.Error, Input.Model);
            _outcome = "AgentError";
            return;
        }

        TokenSignInOutcome outcome;
        try
        {
            outcome = await SignIns.SignInAsync(new TokenAnswer(Input.Challenge, Input.Certificate, Input.Signature, Input.Algorithm), PortalOrigin, HttpContext?.Connection.RemoteIpAddress);
        }
        catch (Exception exception) when (DataAccess.IsUnavailable(exception) || exception is DataUnavailableException)
        {
            _message = L["Data.Unavailable"];
            return;
        }

        if (outcome == TokenSignInOutcome.SignedIn)
        {
            Navigation.NavigateTo(AccountPaths.LocalOrHome(ReturnUrl), forceLoad: true);
            return;
        }

        _outcome = outcome.ToString();
        _message = L[$"TokenSignIn.Refused.{outcome}"];
    }

    private string Describe(string errorJson, string? modelId)
    {
        AgentError? error;
        try
        {
            error = JsonSerializer.Deserialize<AgentError>(errorJson, ScriptJson);
        }
        catch (JsonException)
        {
            error = null;
        }

        var known = modelId is not null && DeviceModelCatalogue.All.Any(m => m.Id == modelId) ? modelId : null;
        if (error is null || !Enum.IsDefined(error.Code))
        {
            return L["TokenCare.Error.Unknown"];
        }

        // Only what can be explained without trusting free text from the browser.
        var pkcs11 = error.Pkcs11Code is { Length: <= 40 } code && code.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_') ? code : null;
        return Dialogs.Describe(new AgentError(error.Code, pkcs11, error.Pin, RetryAfterSeconds: error.RetryAfterSeconds), known, null);
    }

    /// <summary>The PIN dialog for each device model, for the script to pick once it sees the device.</summary>
    private string ScriptDialogs => JsonSerializer.Serialize(
        DeviceModelCatalogue.All.Append(DeviceModelCatalogue.Unknown).ToDictionary(m => m.Id, m => Dialogs.SignInChallenge(m.Id)), ScriptJson);

    private string ScriptTexts => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["connecting"] = L["TokenSignIn.Agent.Connecting"],
        ["notRunning"] = L["TokenSignIn.Agent.NotRunning"],
        ["originRefused"] = L["TokenSignIn.Agent.OriginRefused"],
        ["incompatible"] = L["TokenSignIn.Agent.Incompatible"],
        ["noDevice"] = L["TokenSignIn.NoDevice"],
        ["noCertificate"] = L["TokenSignIn.NoCertificate"],
        ["choose"] = L["TokenSignIn.Choose"],
        ["validUntil"] = L["TokenSignIn.ValidUntil"],
        ["signing"] = L["TokenSignIn.Signing"],
    }, ScriptJson);

    private sealed class TokenLoginInput
    {
        public string? Challenge { get; set; }

        public string? Certificate { get; set; }

        public string? Signature { get; set; }

        public string? Algorithm { get; set; }

        /// <summary>The agent's refusal as the script received it (code, PIN kind, retry-after): explained, never trusted.</summary>
        public string? Error { get; set; }

        public string? Model { get; set; }
    }
}

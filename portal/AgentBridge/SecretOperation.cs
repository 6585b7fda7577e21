using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.AgentBridge;

/// <summary>
/// An agent operation that needs secrets, as the page's own dialog (wwwroot/js/secret-dialog.js) runs it: the
/// command's non-secret part, which dialog field fills which command property, and the dialog's texts. The
/// secrets are added in the browser and never come back here.
/// </summary>
/// <param name="Method">The hub method.</param>
/// <param name="Command">The command with empty secret arrays.</param>
/// <param name="Secrets">Dialog field name → command property name (camelCase).</param>
/// <param name="Dialog">What the dialog shows.</param>
/// <param name="FileProperty">Command property that receives a file the user picks in the dialog (PKCS#12), base64.</param>
public sealed record SecretOperation(
    string Method,
    object Command,
    IReadOnlyDictionary<string, string> Secrets,
    SecretDialog Dialog,
    string? FileProperty = null);

/// <summary>
/// What a secret operation came to: the agent's final answer, and the errors of the attempts the user put right in
/// the dialog (each wrong PIN spent a try on the device).
/// </summary>
public sealed record SecretOperationOutcome<T>(AgentResult<T> Result, IReadOnlyList<AgentError> FailedAttempts);

public sealed record SecretDialog(
    string Title,
    string? Intro,
    string? Warning,
    IReadOnlyList<SecretField> Fields,
    bool FinalTry,
    string FinalTryConfirm,
    string FinalTryWarning,
    string SubmitLabel,
    string CancelLabel,
    string Working,
    bool Cancellable,
    IReadOnlyDictionary<string, string> Stages,
    SecretDialogMessages Messages,
    IReadOnlyDictionary<string, string> RetryMessages,
    SecretFile? File = null);

/// <param name="Name">The field's name in the secrets map.</param>
/// <param name="Messages">What the dialog says when the value breaks a rule, already in the user's language.</param>
/// <param name="RepeatOf">For a confirmation field: the field it must equal (never sent).</param>
public sealed record SecretField(
    string Name,
    string Label,
    SecretFieldMessages Messages,
    bool IsNew = false,
    string? RepeatOf = null,
    SecretPolicy? Policy = null,
    string? Hint = null,
    bool Optional = false);

public sealed record SecretFieldMessages(string Required, string? TooShort = null, string? TooLong = null, string? InvalidCharacter = null);

public sealed record SecretPolicy(int MinLength, int MaxLength, bool DigitsOnly)
{
    public static SecretPolicy From(PinPolicy policy) => new(policy.MinLength, policy.MaxLength, policy.Charset == PinCharset.Digits);
}

public sealed record SecretFile(string Label, string Accept);

public sealed record SecretDialogMessages(string Mismatch, string FileRequired);

using Microsoft.Extensions.Localization;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Resources;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Portal.Features.Token;

/// <summary>
/// The page's secret dialogs for each token operation: which secrets, under which policy, in the user's language,
/// with the retry messages for a wrong PIN (tries left, final try). The secrets themselves stay in the browser.
/// </summary>
public sealed class TokenDialogs(IStringLocalizer<Strings> l)
{
    public SecretOperation ChangePin(DeviceSnapshot device, AreaSnapshot area, PinKind kind)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var name = Name(kind);
        var status = kind == area.UserPin.Kind ? area.UserPin : area.SoPin;
        var replacement = NewValue("new", l["TokenCare.Field.New", name], Policy(model, area, kind));
        var fields = new SecretFields<PinChange>()
            .Add(Field("current", l["TokenCare.Field.Current", name]), c => c.Current)
            .Add(replacement, c => c.Replacement)
            .Confirm(Repeat("repeat", l["TokenCare.Field.Repeat", name], replacement));
        return Operation(
            AgentHubContract.ChangePin,
            new PinChange(device.DeviceId, area.Kind, kind, [], [], false),
            fields,
            Dialog(l["TokenCare.ChangePin.Title", name], l["TokenCare.ChangePin.Intro"], null, fields.Fields, status, l["TokenCare.Submit.Change"], model));
    }

    public SecretOperation Unblock(DeviceSnapshot device, AreaSnapshot area)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var pin = Name(area.UserPin.Kind);
        var unblocker = Name(area.SoPin.Kind);
        var newPin = NewValue("new", l["TokenCare.Field.New", pin], Policy(model, area, area.UserPin.Kind));
        var fields = new SecretFields<PinUnblock>()
            .Add(Field("code", unblocker), c => c.UnblockCode)
            .Add(newPin, c => c.NewPin)
            .Confirm(Repeat("repeat", l["TokenCare.Field.Repeat", pin], newPin));
        return Operation(
            AgentHubContract.UnblockPin,
            new PinUnblock(device.DeviceId, area.Kind, [], [], false),
            fields,
            Dialog(l["TokenCare.Unblock.Title", pin], l["TokenCare.Unblock.Intro", pin, unblocker], null, fields.Fields, area.SoPin, l["TokenCare.Submit.Unblock"], model));
    }

    public SecretOperation Login(DeviceSnapshot device, AreaSnapshot area)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var fields = new SecretFields<AreaLogin>().Add(Field("pin", Name(area.UserPin.Kind)), c => c.Pin);
        return Operation(
            AgentHubContract.Login,
            new AreaLogin(device.DeviceId, area.Kind, [], false),
            fields,
            Dialog(l["TokenCare.Login.Title"], l["TokenCare.Login.Intro"], null, fields.Fields, area.UserPin, l["TokenCare.Submit.Login"], model));
    }

    public SecretOperation CreateRequest(DeviceSnapshot device, AreaSnapshot area, KeyRequestCommand command)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var standard = device.Areas.First(a => a.Kind == AreaKind.Standard);
        var qualified = area.Kind == AreaKind.Qualified;
        var fields = new SecretFields<KeyRequestCommand>().Add(Field("pin", Name(standard.UserPin.Kind)), c => c.Pin);
        if (qualified)
        {
            fields.Add(Field("qpin", Name(area.UserPin.Kind)) with { Hint = l["TokenCare.Request.QPinHint"] }, c => c.QualifiedPin);
        }

        var worstPin = qualified && area.UserPin.State == PinState.FinalTry ? area.UserPin : standard.UserPin;
        return Operation(
            AgentHubContract.CreateKeyRequest,
            command,
            fields,
            Dialog(
                l["TokenCare.Request.Title"],
                qualified ? l["TokenCare.Request.IntroQualified"] : l["TokenCare.Request.IntroStandard"],
                null,
                fields.Fields,
                worstPin,
                l["TokenCare.Submit.Generate"],
                model,
                working: l["TokenCare.Request.Working"],
                cancellable: true));
    }

    public SecretOperation Install(DeviceSnapshot device, AreaSnapshot area, byte[] certificate)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var fields = new SecretFields<CertificateInstall>().Add(Field("pin", Name(area.UserPin.Kind)), c => c.Pin);
        return Operation(
            AgentHubContract.InstallCertificate,
            new CertificateInstall(device.DeviceId, area.Kind, certificate, [], false),
            fields,
            Dialog(l["TokenCare.Install.Title"], l["TokenCare.Install.Intro"], null, fields.Fields, area.UserPin, l["TokenCare.Submit.Install"], model));
    }

    public SecretOperation ImportPkcs12(DeviceSnapshot device, AreaSnapshot standard)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var fields = new SecretFields<Pkcs12Import>()
            .Add(Field("password", l["TokenCare.Field.FilePassword"]), c => c.Password)
            .Add(Field("pin", Name(standard.UserPin.Kind)), c => c.Pin);
        var dialog = Dialog(l["TokenCare.Import.Title"], null, l["TokenCare.Import.Warning"], fields.Fields, standard.UserPin, l["TokenCare.Submit.Import"], model) with
        {
            File = new SecretFile(l["TokenCare.Field.Pkcs12File"], ".p12,.pfx,application/x-pkcs12"),
        };
        return Operation(AgentHubContract.ImportPkcs12, new Pkcs12Import(device.DeviceId, [], [], [], false), fields, dialog) with
        {
            FileProperty = SecretFields.WireName((Pkcs12Import c) => c.Pkcs12),
        };
    }

    public SecretOperation Delete(DeviceSnapshot device, AreaSnapshot area, IReadOnlyList<ObjectRef> objects)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var fields = new SecretFields<ObjectDeletion>().Add(Field("pin", Name(area.UserPin.Kind)), c => c.Pin);
        return Operation(
            AgentHubContract.DeleteObjects,
            new ObjectDeletion(device.DeviceId, area.Kind, objects, [], false, WithKeyPairs: true),
            fields,
            Dialog(l["TokenCare.Delete.Title"], l["TokenCare.Delete.Intro", objects.Count], null, fields.Fields, area.UserPin, l["TokenCare.Submit.Delete"], model));
    }

    /// <summary>A document the portal prepared, signed with the chosen key; the area's own PIN (QPIN in the qualified area) is proven.</summary>
    public SecretOperation SignDocument(DeviceSnapshot device, AreaSnapshot area, DocumentSignature command)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var fields = new SecretFields<DocumentSignature>().Add(Field("pin", Name(area.UserPin.Kind)), c => c.Pin);
        return Operation(
            AgentHubContract.SignDocument,
            command,
            fields,
            Dialog(l["TokenCare.Sign.Title"], l["TokenCare.Sign.Intro", Name(area.UserPin.Kind)], null, fields.Fields, area.UserPin, l["TokenCare.Submit.Sign"], model));
    }

    public SecretOperation Complaint(DeviceSnapshot device)
    {
        var model = DeviceModelCatalogue.ById(device.ModelId);
        var fields = new SecretFields<ComplaintPreparation>();
        foreach (var kind in device.Areas.SelectMany(a => new[] { a.UserPin.Kind, a.SoPin.Kind }))
        {
            var secret = Secret(kind);
            if (!fields.Fills(secret))
            {
                // The field is named as the secret travels ("qualifiedPin"), which is also what the page's tests fill in.
                fields.Add(Field(SecretFields.WireName(secret), l["TokenCare.Field.Current", Name(kind)]), secret);
            }
        }

        var finalTry = device.Areas.SelectMany(a => new[] { a.UserPin, a.SoPin }).FirstOrDefault(p => p.State == PinState.FinalTry) ?? device.Areas[0].UserPin;
        return Operation(
            AgentHubContract.PrepareComplaint,
            new ComplaintPreparation(device.DeviceId, [], [], null, null, false),
            fields,
            Dialog(l["TokenCare.Complaint.Title"], null, l["TokenCare.Complaint.Warning"], fields.Fields, finalTry, l["TokenCare.Submit.Prepare"], model, working: l["TokenCare.Dialog.Working"]));

        static System.Linq.Expressions.Expression<Func<ComplaintPreparation, int[]?>> Secret(PinKind kind) => kind switch
        {
            PinKind.Pin => c => c.Pin,
            PinKind.Puk => c => c.Puk,
            PinKind.QPin => c => c.QualifiedPin,
            _ => c => c.QualifiedPuk,
        };
    }

    /// <summary>
    /// The sign-in page's PIN dialog for answering a challenge with a device of <paramref name="modelId"/>'s model. The page
    /// has no circuit: it gets one dialog per model before it sees a device, and sets the final-try flag from the device's
    /// state itself.
    /// </summary>
    public SecretOperation SignInChallenge(string modelId)
    {
        var model = DeviceModelCatalogue.ById(modelId);
        var fields = new SecretFields<ChallengeSignature>().Add(Field("pin", Name(PinKind.Pin)), c => c.Pin);
        return Operation(
            AgentHubContract.SignChallenge,
            new ChallengeSignature("", "", [], [], false),
            fields,
            Dialog(l["TokenSignIn.Dialog.Title"], l["TokenSignIn.Dialog.Intro"], null, fields.Fields, new PinStatus(PinKind.Pin, PinState.Ok, false), l["TokenSignIn.Dialog.Submit"], model));
    }

    /// <summary>What went wrong in an agent operation and what to do, in the user's language.</summary>
    public string Describe(AgentError error, string? modelId, string? deviceSerial)
    {
        ArgumentNullException.ThrowIfNull(error);
        var model = modelId is null ? DeviceModelCatalogue.Unknown : DeviceModelCatalogue.ById(modelId);
        var pin = error.Pin is { } kind ? Name(kind) : l["Pin.Pin"];
        var text = error.Code switch
        {
            AgentErrorCode.PinIncorrect => l["TokenCare.Error.PinIncorrect", pin],
            AgentErrorCode.PinLocked => l["TokenCare.Error.PinLocked", pin, Name(Unblocker(model, error.Pin))],
            AgentErrorCode.ModuleFailure => l["TokenCare.Error.ModuleFailure", error.Pkcs11Code ?? "?"],
            AgentErrorCode.TryLater => l["TokenCare.Error.TryLater", pin, error.RetryAfterSeconds ?? 1],
            AgentErrorCode.DeviceNotRegistered => l["TokenCare.Error.DeviceNotRegistered", deviceSerial ?? "?"],
            AgentErrorCode.CapacityExceeded when error.Capacity is { } capacity => DescribeCapacity(capacity),
            _ => l[$"TokenCare.Error.{error.Code}"],
        };
        return error.LeftoverKeyIdHex is { } leftover ? $"{text} {l["TokenCare.Error.LeftoverKey", leftover]}" : text;
    }

    public string DescribeCapacity(CapacityProblem capacity)
    {
        ArgumentNullException.ThrowIfNull(capacity);
        return capacity.Issue switch
        {
            CapacityIssue.QualifiedAreaFull => l["TokenCare.Capacity.QualifiedAreaFull", capacity.QualifiedCertificates],
            CapacityIssue.OrphanKeys => l["TokenCare.Capacity.OrphanKeys", string.Join(", ", capacity.OrphanKeyLabels)],
            _ => l["TokenCare.Capacity.NoFreeMemory"],
        };
    }

    private static PinKind Unblocker(DeviceModel model, PinKind? pin) =>
        pin is { } kind && model.Policy(kind)?.UnblockedBy is { } unblocker ? unblocker : PinKind.Puk;

    private static SecretOperation Operation<TCommand>(string method, TCommand command, SecretFields<TCommand> fields, SecretDialog dialog)
        where TCommand : notnull =>
        new(method, command, fields.Secrets, dialog);

    public string Name(PinKind kind) => l[$"Pin.{kind}"];

    private static SecretPolicy Policy(DeviceModel model, AreaSnapshot area, PinKind kind)
    {
        var policy = model.Policy(kind) ?? DeviceModelCatalogue.Unknown.Policy(kind)!;
        return SecretPolicy.From(kind == area.UserPin.Kind ? policy.NarrowedBy(area.MinPinLength, area.MaxPinLength) : policy);
    }

    private SecretField Field(string name, string label) => new(name, label, new SecretFieldMessages(l["TokenCare.Dialog.Required", label]));

    /// <summary>A new value under the model's policy, with the hint and the messages for each rule.</summary>
    private SecretField NewValue(string name, string label, SecretPolicy policy) => new(
        name,
        label,
        new SecretFieldMessages(
            l["TokenCare.Dialog.Required", label],
            l["TokenCare.Dialog.TooShort", label, policy.MinLength],
            l["TokenCare.Dialog.TooLong", label, policy.MaxLength],
            policy.DigitsOnly ? l["TokenCare.Dialog.DigitsOnly", label] : l["TokenCare.Dialog.InvalidCharacter", label]),
        IsNew: true,
        Policy: policy,
        Hint: l["TokenCare.Field.PolicyHint", policy.MinLength, policy.MaxLength]);

    private SecretField Repeat(string name, string label, SecretField of) => new(name, label, new SecretFieldMessages(l["TokenCare.Dialog.Required", label]), IsNew: true, RepeatOf: of.Name);

    private SecretDialog Dialog(
        string title,
        string? intro,
        string? warning,
        IReadOnlyList<SecretField> fields,
        PinStatus finalTryOf,
        string submit,
        DeviceModel model,
        string? working = null,
        bool cancellable = false)
    {
        var triedName = Name(finalTryOf.Kind);
        return new SecretDialog(
            title,
            intro,
            warning,
            fields,
            FinalTry: finalTryOf.State == PinState.FinalTry,
            FinalTryConfirm: l["TokenCare.Dialog.FinalTryConfirm", triedName],
            FinalTryWarning: l["TokenCare.Dialog.FinalTryWarning", triedName],
            SubmitLabel: submit,
            CancelLabel: l["TokenCare.Dialog.Cancel"],
            Working: working ?? l["TokenCare.Dialog.Working"],
            Cancellable: cancellable,
            Stages: Enum.GetValues<OperationStage>().ToDictionary(s => s.ToString(), s => (string)l[$"TokenCare.Stage.{s}"]),
            Messages: new SecretDialogMessages(l["TokenCare.Dialog.Mismatch"], l["TokenCare.Dialog.FileRequired"]),
            RetryMessages: RetryMessages(model));
    }

    /// <summary>What the dialog says when the device refuses a secret, per secret and the state the device reports afterwards.</summary>
    private Dictionary<string, string> RetryMessages(DeviceModel model)
    {
        var messages = new Dictionary<string, string> { ["FilePasswordIncorrect"] = l["TokenCare.Retry.FilePassword"] };
        foreach (var kind in Enum.GetValues<PinKind>())
        {
            var name = Name(kind);
            var tries = model.Policy(kind)?.MaxTries;
            messages[$"PinIncorrect:{kind}"] = l["TokenCare.Retry.Incorrect", name];
            messages[$"PinIncorrect:{kind}:{PinState.CountLow}"] = tries is { } max ? l["TokenCare.Retry.IncorrectCountLow", name, max] : l["TokenCare.Retry.IncorrectCountLowUnknown", name];
            messages[$"PinIncorrect:{kind}:{PinState.FinalTry}"] = l["TokenCare.Retry.IncorrectFinalTry", name];
            messages[$"FinalTryNotConfirmed:{kind}"] = l["TokenCare.Retry.FinalTry", name];
            messages[$"TryLater:{kind}"] = l["TokenCare.Retry.TryLater", name];
            foreach (var violation in Enum.GetValues<PinPolicyViolation>())
            {
                messages[$"PinPolicyViolation:{kind}:{violation}"] = l[$"TokenCare.Retry.Policy.{violation}", name];
            }
        }

        return messages;
    }
}

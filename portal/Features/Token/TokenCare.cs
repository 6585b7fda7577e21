using System.Security.Cryptography;
using Microsoft.Extensions.Localization;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Resources;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using MudBlazor;

namespace Qtsp.Portal.Features.Token;

/// <summary>
/// Runs token-care operations for the My token page: the secrets go from the page's dialog straight to the agent,
/// and this side gets only the outcome, which it explains to the user and records in the audit trail.
/// </summary>
public sealed class TokenCare(
    AgentBridge.AgentBridge bridge,
    TokenDialogs dialogs,
    IServiceKeyRegistry serviceKeys,
    ISnackbar snackbar,
    CurrentActor actors,
    AuditTrail audit,
    IStringLocalizer<Strings> l,
    TimeProvider time)
{
    public string Name(PinKind kind) => dialogs.Name(kind);

    public Task<AgentResult<PinStatus>> ChangePinAsync(DeviceSnapshot device, AreaSnapshot area, PinKind kind) =>
        RunAsync<PinStatus>(dialogs.ChangePin(device, area, kind), device, area, AuditActions.TokenPinChanged, new { pin = kind.ToString() }, _ => l["TokenCare.Done.PinChanged", dialogs.Name(kind)]);

    public Task<AgentResult<PinStatus>> UnblockAsync(DeviceSnapshot device, AreaSnapshot area) =>
        RunAsync<PinStatus>(dialogs.Unblock(device, area), device, area, AuditActions.TokenPinUnblocked, new { pin = area.UserPin.Kind.ToString() }, _ => l["TokenCare.Done.Unblocked", dialogs.Name(area.UserPin.Kind)]);

    public Task<AgentResult<bool>> LoginAsync(DeviceSnapshot device, AreaSnapshot area) =>
        RunAsync<bool>(dialogs.Login(device, area), device, area, AuditActions.TokenLogin, details: null, _ => l["TokenCare.Done.LoggedIn"]);

    public async Task<AgentResult<bool>> LogoutAsync(DeviceSnapshot device)
    {
        var result = await bridge.InvokeAsync<bool>(AgentHubContract.Logout, device.DeviceId);
        Tell<bool>(result.Error, device, _ => l["TokenCare.Done.LoggedOut"], result.IsSuccess);
        return result;
    }

    public async Task RefreshAsync() => await bridge.InvokeAsync<IReadOnlyList<DeviceSnapshot>>(AgentHubContract.Refresh);

    /// <summary>
    /// Generates a key pair and a request on the device, attested for a fresh portal nonce by the service key the CA
    /// registered for the device's serial (the agent finds it by that public key, not by its label).
    /// </summary>
    /// <param name="renewedKeyIdHex">For a renewal: the key of the certificate renewed, which signs the attested statement too.</param>
    public async Task<(AgentResult<KeyRequestCreated> Result, byte[] Nonce, DateTimeOffset NonceIssuedAt)> CreateRequestAsync(DeviceSnapshot device, AreaSnapshot area, KeyAlgorithm algorithm, string commonName, string? email, string? country,
        string? renewedKeyIdHex = null)
    {
        var nonce = RandomNumberGenerator.GetBytes(32);
        var issuedAt = time.GetUtcNow();
        if (await serviceKeys.FindAsync(device.SerialNumber) is not { } serviceKey)
        {
            var refused = AgentResult.Failure<KeyRequestCreated>(new AgentError(AgentErrorCode.DeviceNotRegistered));
            await AuditAsync(AuditActions.TokenRequestCreated, device, area, refused.Error, new { algorithm = algorithm.ToString() });
            Tell<KeyRequestCreated>(refused.Error, device, _ => "", ok: false);
            return (refused, nonce, issuedAt);
        }

        var command = new KeyRequestCommand(Guid.NewGuid().ToString("N"), device.DeviceId, area.Kind, algorithm, commonName, email, country, nonce, [], null, false,
            serviceKey.ExportSubjectPublicKeyInfo(), renewedKeyIdHex);
        var result = await RunAsync<KeyRequestCreated>(
            dialogs.CreateRequest(device, area, command),
            device,
            area,
            AuditActions.TokenRequestCreated,
            new { algorithm = algorithm.ToString(), renews = renewedKeyIdHex },
            created => l["TokenCare.Done.RequestCreated"]);
        return (result, nonce, issuedAt);
    }

    public Task<AgentResult<CertificateInstalled>> InstallAsync(DeviceSnapshot device, AreaSnapshot area, byte[] certificate) =>
        RunAsync<CertificateInstalled>(dialogs.Install(device, area, certificate), device, area, AuditActions.TokenCertificateInstalled, new { sha256 = Convert.ToHexString(SHA256.HashData(certificate)) }, _ => l["TokenCare.Done.Installed"]);

    public Task<AgentResult<CertificateInstalled>> ImportPkcs12Async(DeviceSnapshot device, AreaSnapshot standard) =>
        RunAsync<CertificateInstalled>(dialogs.ImportPkcs12(device, standard), device, standard, AuditActions.TokenPkcs12Imported, null, _ => l["TokenCare.Done.Imported"]);

    public Task<AgentResult<int>> DeleteAsync(DeviceSnapshot device, AreaSnapshot area, IReadOnlyList<ObjectRef> objects) =>
        RunAsync<int>(dialogs.Delete(device, area, objects), device, area, AuditActions.TokenObjectsDeleted, new { objects = objects.Select(o => $"{o.Kind}:{o.IdHex}:{o.Label}").ToArray() }, count => l["TokenCare.Done.Deleted", count]);

    public Task<AgentResult<ComplaintPrepared>> PrepareComplaintAsync(DeviceSnapshot device) =>
        RunAsync<ComplaintPrepared>(dialogs.Complaint(device), device, null, AuditActions.TokenComplaintPrepared, null, _ => l["TokenCare.Done.ComplaintPrepared"]);

    /// <summary>
    /// Signs a document the portal prepared with the key <paramref name="certificateIdHex"/> in <paramref name="area"/> (detached
    /// CMS); the service key the CA registered for the device is named so the agent refuses it as a signer.
    /// </summary>
    public async Task<AgentResult<DocumentSigned>> SignDocumentAsync(DeviceSnapshot device, AreaSnapshot area, string certificateIdHex, byte[] document, string documentType)
    {
        var serviceKey = await serviceKeys.FindAsync(device.SerialNumber);
        var command = new DocumentSignature(device.DeviceId, area.Kind, certificateIdHex, document, documentType, [], false, serviceKey?.ExportSubjectPublicKeyInfo());
        return await RunAsync<DocumentSigned>(dialogs.SignDocument(device, area, command), device, area, AuditActions.TokenDocumentSigned,
            new { type = documentType, key = certificateIdHex, sha256 = Convert.ToHexString(SHA256.HashData(document)) }, _ => l["TokenCare.Done.DocumentSigned"]);
    }

    public async Task<AgentResult<string>> RenameAsync(DeviceSnapshot device, string label)
    {
        var result = await bridge.InvokeAsync<string>(AgentHubContract.RenameToken, new TokenRename(device.DeviceId, label));
        await AuditAsync(AuditActions.TokenRenamed, device, null, result.Error, new { label });
        Tell(result.Error, device, renamed => l["TokenCare.Done.Renamed", renamed ?? label], result.IsSuccess, result.Value);
        return result;
    }

    public async Task<AgentResult<byte[]>> CertificateAsync(DeviceSnapshot device, AreaSnapshot area, string idHex)
    {
        var result = await bridge.InvokeAsync<byte[]>(AgentHubContract.GetCertificate, device.DeviceId, area.Kind, idHex);
        if (!result.IsSuccess)
        {
            Tell<byte[]>(result.Error, device, _ => "", ok: false);
        }

        return result;
    }

    public Task DownloadAsync(string fileName, byte[] content, string mediaType) => bridge.DownloadAsync(fileName, content, mediaType);

    private async Task<AgentResult<T>> RunAsync<T>(
        AgentBridge.SecretOperation operation,
        DeviceSnapshot device,
        AreaSnapshot? area,
        string auditAction,
        object? details,
        Func<T?, string> success)
    {
        var (result, failedAttempts) = await bridge.RunSecretOperationAsync<T>(operation);
        // A wrong PIN put right in the dialog still spent a try on the device: each is on the record.
        foreach (var attempt in failedAttempts.Where(a => a.Code is AgentErrorCode.PinIncorrect or AgentErrorCode.PinLocked))
        {
            await AuditAsync(auditAction, device, area, attempt, details);
        }

        if (result.Error?.Code == AgentErrorCode.Cancelled && typeof(T) != typeof(KeyRequestCreated))
        {
            return result; // the user closed the dialog: nothing more happened, nothing to say
        }

        await AuditAsync(auditAction, device, area, result.Error, details);
        Tell(result.Error, device, success, result.IsSuccess, result.Value);
        return result;
    }

    private void Tell<T>(AgentError? error, DeviceSnapshot device, Func<T?, string> success, bool ok, T? value = default)
    {
        // One message per device at a time: a later success replaces the error of an earlier try, nothing piles up.
        var key = $"token-care:{device.DeviceId}";
        snackbar.RemoveByKey(key);
        if (ok)
        {
            snackbar.Add(success(value), Severity.Success, options => options.VisibleStateDuration = 6000, key);
            return;
        }

        var severity = error?.Code is AgentErrorCode.Cancelled ? Severity.Info : Severity.Error;
        snackbar.Add($"{l["TokenCare.Error.Summary"]}: {Describe(error!, device)}", severity, options => options.VisibleStateDuration = 20000, key);
    }

    /// <summary>What went wrong and what to do, in the user's language.</summary>
    public string Describe(AgentError error, DeviceSnapshot? device) => dialogs.Describe(error, device?.ModelId, device?.SerialNumber);

    public string DescribeCapacity(CapacityProblem capacity) => dialogs.DescribeCapacity(capacity);

    /// <summary>Records the outcome of an operation on the user's device (who, on whose behalf, from where); never any secret.</summary>
    private async Task AuditAsync(string action, DeviceSnapshot device, AreaSnapshot? area, AgentError? error, object? details) =>
        await audit.RecordAsync(
            await actors.GetAsync(),
            action,
            AuditSubjects.DeviceSerial(device.SerialNumber),
            new
            {
                model = device.ModelId,
                area = area?.Kind.ToString(),
                outcome = error?.Code.ToString() ?? "Succeeded",
                pkcs11 = error?.Pkcs11Code,
                details,
            });
}

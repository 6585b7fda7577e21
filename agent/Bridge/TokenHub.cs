using Microsoft.AspNetCore.SignalR;
using Qtsp.Agent.Tokens;
using Qtsp.Agent.Tokens.Operations;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Bridge;

/// <summary>
/// The hub the portal's pages talk to. Every answer is an <see cref="AgentResult{T}"/>. Secrets arrive only here,
/// straight from the page's own dialog, and are wiped once the device has them (see <see cref="Secret"/>).
/// </summary>
internal sealed class TokenHub(
    DeviceService devices,
    OperationRunner runner,
    LoginSessions logins,
    TimeProvider time,
    IHubContext<TokenHub> hub) : Hub
{
    public AgentInfo GetAgentInfo() => new(
        typeof(TokenHub).Assembly.GetName().Version?.ToString() ?? "0",
        AgentHubContract.ProtocolVersion,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        devices.Modules);

    public async Task<AgentResult<IReadOnlyList<DeviceSnapshot>>> GetDevices() =>
        AgentResult.Success(await devices.ReadDevicesAsync(Context.ConnectionAborted).ConfigureAwait(false));

    public Task<AgentResult<TokenStatus>> GetTokenInfo(string deviceId, AreaKind area) =>
        devices.GetTokenStatusAsync(deviceId, area, Context.ConnectionAborted);

    /// <summary>Reads every device again and tells every page.</summary>
    public async Task<AgentResult<IReadOnlyList<DeviceSnapshot>>> Refresh() => AgentResult.Success(await PublishDevicesAsync().ConfigureAwait(false));

    public Task<AgentResult<PinStatus>> ChangePin(PinChange command) =>
        RunAsync(command.DeviceId, null, (target, _) => devices.Exclusive(() => PinOperations.Change(target, command, logins)));

    public Task<AgentResult<PinStatus>> UnblockPin(PinUnblock command) =>
        RunAsync(command.DeviceId, null, (target, _) => devices.Exclusive(() => PinOperations.Unblock(target, command, logins)));

    public Task<AgentResult<bool>> Login(AreaLogin command) =>
        RunAsync(command.DeviceId, null, (target, _) =>
        {
            PinOperations.LogIn(target, command, logins);
            return true;
        });

    public Task<AgentResult<bool>> Logout(string deviceId) =>
        RunAsync(deviceId, null, (target, _) =>
        {
            PinOperations.LogOut(target, logins);
            return true;
        });

    public Task<AgentResult<KeyRequestCreated>> CreateKeyRequest(KeyRequestCommand command) =>
        RunAsync(command.DeviceId, command.OperationId, (target, scope) => RequestOperations.Create(target, command, scope, time));

    public Task<AgentResult<CertificateInstalled>> InstallCertificate(CertificateInstall command) =>
        RunAsync(command.DeviceId, null, (target, scope) => CertificateOperations.Install(target, command, scope));

    public Task<AgentResult<CertificateInstalled>> ImportPkcs12(Pkcs12Import command) =>
        RunAsync(command.DeviceId, null, (target, scope) => CertificateOperations.ImportPkcs12(target, command, scope));

    public Task<AgentResult<byte[]>> GetCertificate(string deviceId, AreaKind area, string idHex) =>
        RunAsync(deviceId, null, (target, _) => CertificateOperations.Export(target, area, idHex), publish: false);

    public Task<AgentResult<int>> DeleteObjects(ObjectDeletion command) =>
        RunAsync(command.DeviceId, null, (target, scope) => CleanupOperations.Delete(target, command, scope));

    public Task<AgentResult<string>> RenameToken(TokenRename command) =>
        RunAsync(command.DeviceId, null, (target, _) => LabelOperations.Rename(target, command));

    public Task<AgentResult<ComplaintPrepared>> PrepareComplaint(ComplaintPreparation command) =>
        RunAsync(command.DeviceId, null, (target, scope) => devices.Exclusive(() => CleanupOperations.PrepareComplaint(target, command, logins, scope)));

    public Task<AgentResult<byte[]>> SignChallenge(ChallengeSignature command) =>
        RunAsync(command.DeviceId, null, (target, _) => ChallengeOperations.Sign(target, command), publish: false);

    public bool CancelOperation(string operationId) => runner.Cancel(operationId);

    private async Task<AgentResult<T>> RunAsync<T>(string deviceId, string? operationId, Func<DeviceTarget, OperationScope, T> work, bool publish = true)
    {
        var target = await devices.ResolveAsync(deviceId, Context.ConnectionAborted).ConfigureAwait(false);
        if (target is null)
        {
            return AgentResult.Failure<T>(new AgentError(AgentErrorCode.DeviceNotFound));
        }

        var caller = hub.Clients.Client(Context.ConnectionId);
        var result = await runner.RunAsync(
            deviceId,
            operationId,
            scope => work(target, scope),
            stage => _ = caller.SendAsync(AgentHubContract.OperationProgress, operationId, stage),
            Context.ConnectionAborted).ConfigureAwait(false);

        if (publish)
        {
            // Even a failure can change what the page must show (a PIN try spent, a device gone).
            await PublishDevicesAsync().ConfigureAwait(false);
        }

        return result;
    }

    private async Task<IReadOnlyList<DeviceSnapshot>> PublishDevicesAsync()
    {
        var snapshot = await devices.ReadDevicesAsync(CancellationToken.None).ConfigureAwait(false);
        await hub.Clients.All.SendAsync(AgentHubContract.DevicesChanged, snapshot).ConfigureAwait(false);
        return snapshot;
    }
}

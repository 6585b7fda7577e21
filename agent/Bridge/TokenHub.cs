using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using Qtsp.Agent.Observability;
using Qtsp.Agent.Tokens;
using Qtsp.Agent.Tokens.Operations;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Bridge;

/// <summary>
/// The hub the portal's pages talk to. Every answer is an <see cref="AgentResult{T}"/>. Secrets arrive only here,
/// straight from the page's own dialog, and are wiped once the device has them (see <see cref="Secret"/>). Every command
/// that needs a secret proves it on the device (<see cref="AreaAccess.LogIn"/>); a viewing login belongs to the
/// connection that made it and ends when that connection closes.
/// </summary>
internal sealed class TokenHub(
    DeviceService devices,
    DevicePublisher publisher,
    OperationRunner runner,
    LoginSessions logins,
    TimeProvider time,
    IHubContext<TokenHub, ITokenClient> hub) : Hub<ITokenClient>
{
    public AgentInfo GetAgentInfo() => new(
        typeof(TokenHub).Assembly.GetName().Version?.ToString() ?? "0",
        AgentHubContract.ProtocolVersion,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        devices.Modules);

    public async Task<AgentResult<IReadOnlyList<DeviceSnapshot>>> GetDevices()
    {
        logins.Touch(Context.ConnectionId);
        return AgentResult.Success(await publisher.ReadForAsync(Context.ConnectionId, Context.ConnectionAborted).ConfigureAwait(false));
    }

    public Task<AgentResult<TokenStatus>> GetTokenInfo(string deviceId, AreaKind area) =>
        devices.GetTokenStatusAsync(deviceId, area, Context.ConnectionAborted);

    /// <summary>Reads every device again and tells every page.</summary>
    public async Task<AgentResult<IReadOnlyList<DeviceSnapshot>>> Refresh()
    {
        logins.Touch(Context.ConnectionId);
        var reading = await publisher.PublishAsync(CancellationToken.None).ConfigureAwait(false);
        return AgentResult.Success(reading.For(Context.ConnectionId, logins.Owners()));
    }

    public Task<AgentResult<PinStatus>> ChangePin(PinChange command) =>
        RunAsync(command.DeviceId, null, (target, scope) => devices.Exclusive(() => PinOperations.Change(target, command, scope)));

    public Task<AgentResult<PinStatus>> UnblockPin(PinUnblock command) =>
        RunAsync(command.DeviceId, null, (target, scope) => devices.Exclusive(() => PinOperations.Unblock(target, command, scope)));

    public Task<AgentResult<bool>> Login(AreaLogin command) =>
        RunAsync(command.DeviceId, null, (target, scope) =>
        {
            PinOperations.LogIn(target, command, scope);
            return true;
        });

    public Task<AgentResult<bool>> Logout(string deviceId) =>
        RunAsync(deviceId, null, (target, scope) =>
        {
            PinOperations.LogOut(target, scope);
            return true;
        });

    public Task<AgentResult<KeyRequestCreated>> CreateKeyRequest(KeyRequestCommand command) =>
        RunAsync(command.DeviceId, command.OperationId, (target, scope) => RequestOperations.Create(target, command, scope, time));

    public Task<AgentResult<CertificateInstalled>> InstallCertificate(CertificateInstall command) =>
        RunAsync(command.DeviceId, null, (target, scope) => CertificateOperations.Install(target, command, scope));

    public Task<AgentResult<CertificateInstalled>> ImportPkcs12(Pkcs12Import command) =>
        RunAsync(command.DeviceId, null, (target, scope) => CertificateOperations.ImportPkcs12(target, command, scope));

    public Task<AgentResult<byte[]>> GetCertificate(string deviceId, AreaKind area, string idHex) =>
        RunAsync(deviceId, null, (target, _) => CertificateOperations.Export(target, area, idHex), publish: Publish.Never);

    public Task<AgentResult<int>> DeleteObjects(ObjectDeletion command) =>
        RunAsync(command.DeviceId, null, (target, scope) => CleanupOperations.Delete(target, command, scope));

    public Task<AgentResult<string>> RenameToken(TokenRename command) =>
        RunAsync(command.DeviceId, null, (target, _) => LabelOperations.Rename(target, command));

    public Task<AgentResult<ComplaintPrepared>> PrepareComplaint(ComplaintPreparation command) =>
        RunAsync(command.DeviceId, null, (target, scope) => devices.Exclusive(() => CleanupOperations.PrepareComplaint(target, command, scope)));

    public Task<AgentResult<ChallengeSigned>> SignChallenge(ChallengeSignature command) =>
        RunAsync(command.DeviceId, null, (target, scope) => ChallengeOperations.Sign(target, command, scope), publish: Publish.OnFailure);

    /// <summary>Signs a portal document (renewal application, binding cancellation) as detached CMS; the area's PIN is proven every time.</summary>
    public Task<AgentResult<DocumentSigned>> SignDocument(DocumentSignature command) =>
        RunAsync(command.DeviceId, null, (target, scope) => DocumentOperations.Sign(target, command, scope, time), publish: Publish.OnFailure);

    public bool CancelOperation(string operationId) => runner.Cancel(operationId);

    /// <summary>A page closed (or its portal session ended and it closed the link): its logins end with it.</summary>
    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (logins.ReleaseOwnedBy(Context.ConnectionId))
        {
            await publisher.PublishAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await base.OnDisconnectedAsync(exception).ConfigureAwait(false);
    }

    /// <summary>When the pages hear of the devices after an operation: a failure can change what they show (a PIN try spent, a device gone).</summary>
    private enum Publish
    {
        Always,
        OnFailure,
        Never,
    }

    private async Task<AgentResult<T>> RunAsync<T>(string deviceId, string? operationId, Func<DeviceTarget, OperationScope, T> work, Publish publish = Publish.Always,
        [CallerMemberName] string operation = "")
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = AgentTelemetry.Start(operation);
        var result = await RunMeasuredAsync(deviceId, operationId, work, publish).ConfigureAwait(false);
        AgentTelemetry.Ended(operation, result, Stopwatch.GetElapsedTime(started), activity);
        return result;
    }

    private async Task<AgentResult<T>> RunMeasuredAsync<T>(string deviceId, string? operationId, Func<DeviceTarget, OperationScope, T> work, Publish publish)
    {
        var target = await devices.ResolveAsync(deviceId ?? "", Context.ConnectionAborted).ConfigureAwait(false);
        if (target is null)
        {
            return AgentResult.Failure<T>(new AgentError(AgentErrorCode.DeviceNotFound));
        }

        logins.Touch(Context.ConnectionId);
        var caller = hub.Clients.Client(Context.ConnectionId);
        var result = await runner.RunAsync(
            new OperationCaller(Context.ConnectionId, ConnectionOrigin()),
            deviceId!,
            operationId,
            scope => work(target, scope),
            stage => _ = caller.OperationProgress(operationId, stage),
            Context.ConnectionAborted).ConfigureAwait(false);

        if (publish == Publish.Always || (publish == Publish.OnFailure && !result.IsSuccess))
        {
            // The caller has its answer first: reading every device again takes seconds on a real card.
            publisher.PublishInBackground();
        }

        return result;
    }

    /// <summary>The Origin of the request that opened this connection (checked against the allowed origins by <see cref="RequestGuard"/>).</summary>
    private string ConnectionOrigin() => Context.GetHttpContext()?.Request.Headers.Origin.ToString() ?? "";
}

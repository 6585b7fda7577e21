using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Qtsp.Agent.Pkcs11;
using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Runs operations that change a device: one per device at a time (another gets Busy), each cancellable and
/// bounded by a timeout. PKCS#11 calls cannot be interrupted, so a cancelled or timed-out operation answers the
/// page at once and finishes its current call in the background, cleaning up before the device is free again.
/// </summary>
internal sealed partial class OperationRunner(
    IOptions<AgentOptions> options,
    DeviceService devices,
    LoginSessions logins,
    SecretThrottle throttle,
    Tray.TrayStatus tray,
    ILogger<OperationRunner> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _deviceGates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);

    private sealed record Running(CancellationTokenSource Cancellation)
    {
        public bool CancelledByUser { get; set; }
    }

    public async Task<AgentResult<T>> RunAsync<T>(
        OperationCaller caller,
        string deviceId,
        string? operationId,
        Func<OperationScope, T> work,
        Action<OperationStage> report,
        CancellationToken connectionAborted)
    {
        var gate = _deviceGates.GetOrAdd(deviceId, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, CancellationToken.None).ConfigureAwait(false))
        {
            return AgentResult.Failure<T>(new AgentError(AgentErrorCode.Busy));
        }

        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(connectionAborted);
        cancellation.CancelAfter(TimeSpan.FromSeconds(options.Value.OperationTimeoutSeconds));
        var running = new Running(cancellation);
        var key = operationId ?? Guid.NewGuid().ToString("N");
        _running[key] = running;
        tray.OperationStarted(key, caller.Origin);
        var token = cancellation.Token;
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = token.Register(() => stopped.TrySetResult());

        var work_ = Task.Run(() =>
        {
            var hold = devices.Hold(deviceId);
            try
            {
                return AgentResult.Success(work(new OperationScope(caller, logins, throttle, report, token)));
            }
            catch (OperationRefusedException e)
            {
                return AgentResult.Failure<T>(e.Error);
            }
            catch (Pkcs11Exception e)
            {
                LogFailed(logger, e.Method, e.RV);
                return AgentResult.Failure<T>(Pkcs11Errors.ToAgentError(e));
            }
            catch (OperationCanceledException)
            {
                return AgentResult.Failure<T>(new AgentError(running.CancelledByUser ? AgentErrorCode.Cancelled : AgentErrorCode.TimedOut));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or NullReferenceException or System.Security.Cryptography.CryptographicException or System.Formats.Asn1.AsnContentException)
            {
                // A malformed command (a null field, bad hex, a broken certificate): one line, no stack trace, no values.
                LogMalformed(logger, e.GetType().Name);
                return AgentResult.Failure<T>(new AgentError(AgentErrorCode.InvalidInput));
            }
            finally
            {
                hold.Dispose();
                registration.Dispose();
                _running.TryRemove(key, out _);
                tray.OperationEnded(key);
                cancellation.Dispose();
                gate.Release();
            }
        }, CancellationToken.None);

        if (await Task.WhenAny(work_, stopped.Task).ConfigureAwait(false) == work_)
        {
            return await work_.ConfigureAwait(false);
        }

        // The page hears now; the device finishes its call and the operation cleans up behind it.
        return AgentResult.Failure<T>(new AgentError(running.CancelledByUser ? AgentErrorCode.Cancelled : AgentErrorCode.TimedOut));
    }

    public bool Cancel(string operationId)
    {
        if (!_running.TryGetValue(operationId, out var running))
        {
            return false;
        }

        running.CancelledByUser = true;
        try
        {
            running.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            return false; // it finished meanwhile
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device operation refused a malformed command ({Error})")]
    private static partial void LogMalformed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device operation failed in {Function}: {Code}")]
    private static partial void LogFailed(ILogger logger, string function, CKR code);
}

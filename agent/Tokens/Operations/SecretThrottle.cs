using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens.Operations;

/// <summary>
/// Slows down guessing of unblock codes. A PUK often has no try counter on the device (eToken, IDPrime: unlimited), so
/// without the agent anyone holding the device could try hundreds of values a second. After each wrong value of a
/// secret the next try waits 1, 2, 4 … 60 seconds; a right value clears the count. Kept per device (not per slot:
/// slot ids change on re-plugging) and per secret, for the life of the agent process.
/// </summary>
internal sealed class SecretThrottle(TimeProvider time)
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

    private readonly Dictionary<(string Device, PinKind Secret), (int Failures, DateTimeOffset NextTry)> _state = [];
    private readonly Lock _lock = new();

    /// <summary>Refuses (without touching the device) while the secret's back-off runs.</summary>
    public void EnsureMayTry(string deviceId, PinKind secret)
    {
        lock (_lock)
        {
            if (_state.TryGetValue((deviceId, secret), out var state) && state.NextTry > time.GetUtcNow())
            {
                var wait = (int)Math.Ceiling((state.NextTry - time.GetUtcNow()).TotalSeconds);
                throw new OperationRefusedException(new AgentError(AgentErrorCode.TryLater, Pin: secret, RetryAfterSeconds: Math.Max(1, wait)));
            }
        }
    }

    public void Failed(string deviceId, PinKind secret)
    {
        lock (_lock)
        {
            var failures = _state.TryGetValue((deviceId, secret), out var state) ? state.Failures + 1 : 1;
            var delay = TimeSpan.FromSeconds(Math.Min(MaxDelay.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 10))));
            _state[(deviceId, secret)] = (failures, time.GetUtcNow() + delay);
        }
    }

    public void Succeeded(string deviceId, PinKind secret)
    {
        lock (_lock)
        {
            _state.Remove((deviceId, secret));
        }
    }
}

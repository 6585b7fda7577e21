using Qtsp.Shared.Bridge;

namespace Qtsp.Agent.Tray;

/// <summary>
/// The live inputs of the tray, fed by the agent's own parts: the device readings every page is told of
/// (<see cref="Bridge.DevicePublisher"/>), the operations the <see cref="Tokens.Operations.OperationRunner"/> runs, and the
/// holder's pause. Exists in headless mode too (the pause flag is checked by the request guard).
/// </summary>
internal sealed class TrayStatus(TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _operations = new(StringComparer.Ordinal);
    private IReadOnlyList<DeviceSnapshot> _devices = [];
    private bool _paused;

    /// <summary>Raised after any input changed, on the thread that changed it.</summary>
    public event Action? Changed;

    public bool Paused
    {
        get
        {
            lock (_lock)
            {
                return _paused;
            }
        }
    }

    public TrayState Current
    {
        get
        {
            lock (_lock)
            {
                return TrayState.Compute(_devices, [.. _operations.Values], _paused, time.GetUtcNow());
            }
        }
    }

    public void DevicesRead(IReadOnlyList<DeviceSnapshot> devices)
    {
        lock (_lock)
        {
            _devices = devices;
        }

        Changed?.Invoke();
    }

    /// <param name="origin">The portal page that started it (the connection's checked Origin).</param>
    public void OperationStarted(string key, string origin)
    {
        lock (_lock)
        {
            _operations[key] = origin;
        }

        Changed?.Invoke();
    }

    public void OperationEnded(string key)
    {
        lock (_lock)
        {
            if (!_operations.Remove(key))
            {
                return;
            }
        }

        Changed?.Invoke();
    }

    public void SetPaused(bool paused)
    {
        lock (_lock)
        {
            if (_paused == paused)
            {
                return;
            }

            _paused = paused;
        }

        Changed?.Invoke();
    }
}

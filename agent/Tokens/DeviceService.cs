using Microsoft.Extensions.Options;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tokens.Operations;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tokens;

/// <summary>
/// The devices attached to this PC, through every configured PKCS#11 module. Reads are serialised, and a device
/// an operation holds (<see cref="Hold"/>) is not read at all until the operation ends: its slots are still listed, so
/// removal is seen, but the page keeps its last reading. Reading objects while a key is generated on the same token
/// invalidated the operation's object handles under load (SoftHSM2: CKR_OBJECT_HANDLE_INVALID, CKR_GENERAL_ERROR), and
/// on a real card it would put other commands between the operation's own.
/// </summary>
internal sealed partial class DeviceService : IDisposable
{
    private readonly ILogger<DeviceService> _logger;
    private readonly List<(string Path, Pkcs11Module? Module, ModuleStatus Status)> _modules = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _held = new(StringComparer.Ordinal);
    private Dictionary<string, KnownDevice> _known = [];

    public DeviceService(IOptions<AgentOptions> options, ILogger<DeviceService> logger)
    {
        _logger = logger;
        foreach (var (name, value) in options.Value.Environment)
        {
            NativeEnvironment.Set(name, value);
        }

        var configured = options.Value.Modules.Count > 0;
        IEnumerable<string> paths = configured ? options.Value.Modules : DefaultModules.ForCurrentOs();
        foreach (var path in paths.Select(Pkcs11Module.ResolvePath).Distinct(StringComparer.Ordinal))
        {
            if (!configured && Path.IsPathRooted(path) && !File.Exists(path))
            {
                continue; // a vendor library that is simply not installed here
            }

            _modules.Add(LoadModule(path));
        }
    }

    public IReadOnlyList<ModuleStatus> Modules => _modules.Select(m => m.Status).ToArray();

    private (string, Pkcs11Module?, ModuleStatus) LoadModule(string path)
    {
        try
        {
            var module = Pkcs11Module.Load(path);
            var info = module.GetInfo();
            LogModuleLoaded(path, info.LibraryDescription, info.ManufacturerId);
            return (path, module, new ModuleStatus(path, true, info.LibraryDescription, info.ManufacturerId, info.CryptokiVersion, null));
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException or UnmanagedException or Pkcs11Exception)
        {
            LogModuleFailed(path, e.Message);
            return (path, null, new ModuleStatus(path, false, null, null, null, e.Message));
        }
    }

    /// <summary>Reads every device with its objects (a held device as last read, while its slots are listed).</summary>
    public async Task<DeviceReading> ReadDevicesAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var held = HeldDevices();
            var known = new Dictionary<string, KnownDevice>(StringComparer.Ordinal);
            foreach (var (_, module, _) in _modules)
            {
                if (module is null)
                {
                    continue;
                }

                var listed = SafeSlotList(module).ToHashSet();
                var heldHere = held.Where(h => h.Module == module).ToArray();
                var skipped = heldHere.SelectMany(h => h.Slots).ToHashSet();
                var readings = ReadSlots(module, listed.Where(slot => !skipped.Contains(slot)));
                var full = Assemble(module, readings).ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
                foreach (var device in Assemble(module, readings.Select(r => r.PublicOnly()).ToArray()))
                {
                    known[device.DeviceId] = new KnownDevice(module, device, full.GetValueOrDefault(device.DeviceId, device));
                }

                foreach (var (_, device, _) in heldHere.Where(h => h.Slots.All(listed.Contains)))
                {
                    known[device.Public.DeviceId] = device;
                }
            }

            _known = known;
            return new DeviceReading(known.Values.ToArray());
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The devices of one module's readings, with what the module offers for them beyond PKCS#11.</summary>
    private static IEnumerable<DeviceSnapshot> Assemble(Pkcs11Module module, IReadOnlyList<SlotReading> readings) =>
        DeviceAssembler.Assemble(readings).Select(device => device with { CanRename = module.Extensions.CanRename });

    /// <summary>
    /// Keeps the device's slots out of readings until disposed (an operation is using it). A reading under way finishes
    /// first: since pages hear of devices after an operation has answered, the next operation can come while it runs.
    /// </summary>
    public IDisposable Hold(string deviceId)
    {
        _gate.Wait();
        try
        {
            _held.AddOrUpdate(deviceId, 1, (_, count) => count + 1);
        }
        finally
        {
            _gate.Release();
        }

        return new Release(() =>
        {
            if (_held.AddOrUpdate(deviceId, 0, (_, count) => count - 1) <= 0)
            {
                _held.TryRemove(new KeyValuePair<string, int>(deviceId, 0));
            }
        });
    }

    private List<(Pkcs11Module Module, KnownDevice Device, ulong[] Slots)> HeldDevices() =>
        _known.Values
            .Where(k => _held.ContainsKey(k.Public.DeviceId))
            .Select(k => (k.Module, k, k.Public.Areas.Select(a => ulong.Parse(a.SlotId, System.Globalization.CultureInfo.InvariantCulture)).ToArray()))
            .ToList();

    private List<SlotReading> ReadSlots(Pkcs11Module module, IEnumerable<ulong> slots)
    {
        var readings = new List<SlotReading>();
        foreach (var slotId in slots)
        {
            try
            {
                if (TokenReader.Read(module, slotId) is { } reading)
                {
                    readings.Add(reading);
                }
            }
            catch (Pkcs11Exception e)
            {
                // The device left between listing and reading, or the slot holds nothing readable.
                LogSlotSkipped(slotId, e.RV);
            }
        }

        return readings;
    }

    private IReadOnlyList<ulong> SafeSlotList(Pkcs11Module module)
    {
        try
        {
            return module.GetSlotList(tokenPresent: true);
        }
        catch (Pkcs11Exception e)
        {
            LogSlotListFailed(module.LibraryPath, e.ReturnValueName());
            return [];
        }
    }

    /// <summary>
    /// A cheap summary of what is plugged in (slots, labels, serials, PIN flags), for polling: when it
    /// changes, the devices are read again.
    /// </summary>
    public async Task<string> FingerprintAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var parts = new List<string>();
            var held = HeldDevices();
            foreach (var (path, module, _) in _modules)
            {
                if (module is null)
                {
                    continue;
                }

                var skipped = held.Where(h => h.Module == module).SelectMany(h => h.Slots).ToHashSet();
                foreach (var slotId in SafeSlotList(module))
                {
                    if (skipped.Contains(slotId))
                    {
                        parts.Add($"{path}|{slotId}|held");
                        continue;
                    }

                    try
                    {
                        var token = module.GetTokenInfo(slotId);
                        parts.Add($"{path}|{slotId}|{token.Label}|{token.SerialNumber}|{(ulong)token.Flags:x}|{token.FreePublicMemory}");
                    }
                    catch (Pkcs11Exception e)
                    {
                        parts.Add($"{path}|{slotId}|{e.ReturnValueName()}");
                    }
                }
            }

            return string.Join('\n', parts);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The device as last read (read again when not seen yet), ready for an operation.</summary>
    public async Task<DeviceTarget?> ResolveAsync(string deviceId, CancellationToken cancellationToken)
    {
        if (!_known.TryGetValue(deviceId, out var known))
        {
            await ReadDevicesAsync(cancellationToken).ConfigureAwait(false);
            if (!_known.TryGetValue(deviceId, out known))
            {
                return null;
            }
        }

        return new DeviceTarget(known.Module, known.Public, DeviceModelCatalogue.ById(known.Public.ModelId));
    }

    /// <summary>
    /// Runs <paramref name="work"/> while no reading is under way: a security officer can only log in when the
    /// agent holds no read-only session on the token, and readings open those.
    /// </summary>
    public T Exclusive<T>(Func<T> work)
    {
        _gate.Wait();
        try
        {
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>C_GetTokenInfo for one area of a device seen in the last reading.</summary>
    public async Task<AgentResult<TokenStatus>> GetTokenStatusAsync(string deviceId, AreaKind area, CancellationToken cancellationToken)
    {
        if (!_known.TryGetValue(deviceId, out var known) || known.Public.Areas.FirstOrDefault(a => a.Kind == area) is not { } snapshot)
        {
            return AgentResult.Failure<TokenStatus>(new AgentError(AgentErrorCode.DeviceNotFound));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var token = known.Module.GetTokenInfo(ulong.Parse(snapshot.SlotId, System.Globalization.CultureInfo.InvariantCulture));
            var (user, securityOfficer) = DeviceAssembler.PinKinds(DeviceModelCatalogue.ById(known.Public.ModelId), area == AreaKind.Qualified);
            return AgentResult.Success(new TokenStatus(
                token.Label,
                token.SerialNumber,
                DeviceAssembler.UserPinStatus(user, token),
                DeviceAssembler.SoPinStatus(securityOfficer, token),
                DeviceAssembler.Memory(token)));
        }
        catch (Pkcs11Exception e)
        {
            return AgentResult.Failure<TokenStatus>(Pkcs11Errors.ToAgentError(e));
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        // The modules stay loaded for the life of the process (Pkcs11Module.Load).
        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded PKCS#11 module {Path}: {Description} ({Manufacturer})")]
    private partial void LogModuleLoaded(string path, string description, string manufacturer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load PKCS#11 module {Path}: {Reason}")]
    private partial void LogModuleFailed(string path, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Slot {SlotId} skipped: {Code}")]
    private partial void LogSlotSkipped(ulong slotId, CKR code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "C_GetSlotList failed for {Path}: {Code}")]
    private partial void LogSlotListFailed(string path, string code);

    private sealed class Release(Action release) : IDisposable
    {
        private Action? _release = release;

        public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
    }
}

/// <summary>A device as last read: what anyone at this PC may see, and the same with the private objects of areas logged in for a page.</summary>
internal sealed record KnownDevice(Pkcs11Module Module, DeviceSnapshot Public, DeviceSnapshot Full);

/// <summary>One reading of every device. Private objects go only to the connection whose login made them visible.</summary>
internal sealed record DeviceReading(IReadOnlyList<KnownDevice> Devices)
{
    public IReadOnlyList<DeviceSnapshot> Public => Devices.Select(d => d.Public).ToArray();

    /// <summary>The devices as <paramref name="connectionId"/> may see them, given who holds which area's login.</summary>
    public IReadOnlyList<DeviceSnapshot> For(string connectionId, IReadOnlyDictionary<(string Module, ulong Slot), string> owners) =>
        Devices.Select(d => d.Public with
        {
            Areas = d.Public.Areas
                .Select(area => owners.TryGetValue((d.Module.LibraryPath, ulong.Parse(area.SlotId, System.Globalization.CultureInfo.InvariantCulture)), out var owner) && owner == connectionId
                    ? d.Full.Areas.FirstOrDefault(a => a.Kind == area.Kind) ?? area
                    : area)
                .ToArray(),
        }).ToArray();
}

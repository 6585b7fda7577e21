using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tests.Support;
using Qtsp.Agent.Tokens;
using Qtsp.Shared.Bridge;
using Qtsp.TestSupport;

namespace Qtsp.Agent.Tests.Tokens;

/// <summary>The agent's device service over the configured modules: what loads, what is read, what polling compares.</summary>
[Collection(InProcessSoftHsm.Name)]
public sealed class DeviceServiceTests : IAsyncLifetime
{
    private SharedSoftHsm _softHsm = null!;

    public async Task InitializeAsync() => _softHsm = await SharedSoftHsm.GetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void Configured_modules_load_once_per_library_and_failures_are_reported_not_fatal()
    {
        var notPkcs11 = Directory.GetFiles("/usr/lib/x86_64-linux-gnu", "libz.so.1*").First();
        using var service = Service(
            SharedSoftHsm.ModulePath,
            Pkcs11Module.ResolvePath(SharedSoftHsm.ModulePath), // the same library under its real name
            "/nonexistent/vendor/pkcs11.so",
            notPkcs11);

        var modules = service.Modules;

        modules.Count.ShouldBe(3);
        var softHsm = modules[0];
        (softHsm.Path, softHsm.Loaded, softHsm.Manufacturer, softHsm.LibraryDescription, softHsm.Error)
            .ShouldBe((Pkcs11Module.ResolvePath(SharedSoftHsm.ModulePath), true, "SoftHSM", "Implementation of PKCS11", (string?)null));
        modules[1].ShouldSatisfyAllConditions(m => m.Loaded.ShouldBeFalse(), m => m.Error.ShouldNotBeNullOrWhiteSpace());
        modules[2].ShouldSatisfyAllConditions(m => m.Loaded.ShouldBeFalse(), m => m.Error.ShouldNotBeNullOrWhiteSpace());
    }

    [Fact]
    public async Task Reading_devices_goes_through_every_loaded_module()
    {
        using var service = Service(SharedSoftHsm.ModulePath, "/nonexistent/vendor/pkcs11.so");

        var devices = (await service.ReadDevicesAsync(CancellationToken.None)).Public;

        devices.Count.ShouldBe(2);
        devices.SelectMany(d => d.Areas).Select(a => a.Label).ShouldBe([SharedSoftHsm.StandardLabel, SharedSoftHsm.QualifiedLabel, SharedSoftHsm.SpareLabel], ignoreOrder: true);
    }

    [Fact]
    public async Task The_polling_fingerprint_is_stable_and_changes_with_the_pin_state()
    {
        using var service = Service(SharedSoftHsm.ModulePath);
        var before = await service.FingerprintAsync(CancellationToken.None);

        (await service.FingerprintAsync(CancellationToken.None)).ShouldBe(before);
        before.ShouldContain(_softHsm.Standard.Serial);
        before.ShouldContain(SharedSoftHsm.QualifiedLabel);

        using var session = _softHsm.Module.OpenSession(_softHsm.Standard.SlotId, readWrite: false);
        string afterWrongPin;
        try
        {
            Should.Throw<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, "0000"u8.ToArray()));
            afterWrongPin = await service.FingerprintAsync(CancellationToken.None);
        }
        finally
        {
            session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.UserPin));
            session.Logout();
        }

        afterWrongPin.ShouldNotBe(before, "SoftHSM flags the failed login (CKF_USER_PIN_COUNT_LOW): pages must hear of it");
        (await service.FingerprintAsync(CancellationToken.None)).ShouldBe(before);
    }

    [Fact]
    public async Task Token_status_answers_for_areas_of_devices_seen_in_the_last_reading()
    {
        using var service = Service(SharedSoftHsm.ModulePath);
        (await service.GetTokenStatusAsync("dev-0000000000000000", AreaKind.Standard, CancellationToken.None)).Error!.Code.ShouldBe(AgentErrorCode.DeviceNotFound);

        var devices = (await service.ReadDevicesAsync(CancellationToken.None)).Public;
        var pair = devices.Single(d => d.Areas.Count == 2);
        var spare = devices.Single(d => d.Areas.Count == 1);

        var status = await service.GetTokenStatusAsync(pair.DeviceId, AreaKind.Qualified, CancellationToken.None);
        status.Error.ShouldBeNull();
        (status.Value!.Label, status.Value.SerialNumber).ShouldBe((SharedSoftHsm.QualifiedLabel, _softHsm.Qualified.Serial));
        (await service.GetTokenStatusAsync(spare.DeviceId, AreaKind.Qualified, CancellationToken.None)).Error!.Code.ShouldBe(AgentErrorCode.DeviceNotFound, "the spare token has no qualified area");
    }

    [Fact]
    public void Disposing_the_service_leaves_the_shared_module_initialised()
    {
        Service(SharedSoftHsm.ModulePath).Dispose();

        _softHsm.Module.GetSlotList(tokenPresent: true).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task A_device_an_operation_holds_is_not_read_until_it_is_released()
    {
        using var service = Service(SharedSoftHsm.ModulePath);
        var first = (await service.ReadDevicesAsync(CancellationToken.None)).Public;
        var device = first.Single(d => d.Areas.Any(a => a.Label == SharedSoftHsm.StandardLabel));
        var free = await service.FingerprintAsync(CancellationToken.None);

        using (service.Hold(device.DeviceId))
        {
            var whileHeld = await service.FingerprintAsync(CancellationToken.None);
            whileHeld.ShouldNotBe(free);
            whileHeld.Split('\n').Count(line => line.EndsWith("|held", StringComparison.Ordinal)).ShouldBe(device.Areas.Count);
            (await service.ReadDevicesAsync(CancellationToken.None)).Public.Single(d => d.DeviceId == device.DeviceId).ShouldBeSameAs(device, "the last reading, not a new one");
        }

        (await service.FingerprintAsync(CancellationToken.None)).ShouldBe(free);
        var again = (await service.ReadDevicesAsync(CancellationToken.None)).Public.Single(d => d.DeviceId == device.DeviceId);
        again.ShouldNotBeSameAs(device);
        again.Areas.Select(a => a.Label).ShouldBe(device.Areas.Select(a => a.Label));
    }

    [Fact]
    public void Without_configuration_the_known_vendor_libraries_of_this_os_are_tried()
    {
        var defaults = DefaultModules.ForCurrentOs();

        defaults.ShouldContain(RepositoryPaths.SoftHsmModule);
        defaults.ShouldAllBe(path => Path.IsPathRooted(path));
    }

    [Fact]
    public void Without_configuration_the_agent_loads_the_default_modules_installed_here_and_skips_the_others()
    {
        using var service = Service();

        service.Modules.ShouldAllBe(m => m.Loaded);
        var loaded = service.Modules.Select(m => m.Path).ToArray();
        loaded.ShouldContain(Pkcs11Module.ResolvePath(RepositoryPaths.SoftHsmModule));
        loaded.ShouldBeSubsetOf(DefaultModules.ForCurrentOs().Where(File.Exists).Select(Pkcs11Module.ResolvePath));
    }

    [Fact]
    public void On_windows_the_default_modules_are_the_vendor_libraries_their_installers_put_in_system32()
    {
        const string system32 = @"C:\Windows\System32";

        string[] vendorLibraries = ["eTPKCS11.dll", "IDPrimePKCS11.dll", "PROIDQCM11.dll", "bit4xpki.dll"];

        DefaultModules.Windows(system32).ShouldBe(vendorLibraries.Select(dll => Path.Combine(system32, dll)));
    }

    private DeviceService Service(params string[] modules)
    {
        var options = new AgentOptions();
        foreach (var module in modules)
        {
            options.Modules.Add(module);
        }

        options.Environment["SOFTHSM2_CONF"] = _softHsm.Workspace.ConfigPath;
        return new DeviceService(Options.Create(options), NullLogger<DeviceService>.Instance);
    }
}

using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;
using Qtsp.TestSupport;
using static Qtsp.Agent.Tests.TokenCare.TokenCareRig;

namespace Qtsp.Agent.Tests.TokenCare;

/// <summary>Slow cards: one operation per device, cancel, time-out, and the device pulled out mid-way.</summary>
public sealed class LongOperationTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task A_device_pulled_out_during_key_generation_gives_a_clear_error_and_no_leftover_key()
    {
        await using var rig = await StartAsync();
        rig.Device.SetSlowness(Slow);
        var running = rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig, KeyAlgorithm.Rsa2048));
        await WaitForStageAsync(rig, OperationStage.GeneratingKey);

        rig.Device.Unplug();
        var result = await running;

        result.Error!.Code.ShouldBe(AgentErrorCode.DeviceRemoved);
        rig.Device.PlugIn();
        rig.Device.SetSlowness(null);
        (await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).ShouldNotContain(o => o.Label.StartsWith(DeviceModelCatalogue.OrphanKeyPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancel_answers_at_once_and_the_key_made_meanwhile_is_removed()
    {
        await using var rig = await StartAsync();
        rig.Device.SetSlowness(Slow);
        var operation = Guid.NewGuid().ToString("N");
        var running = rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig, KeyAlgorithm.Rsa2048) with { OperationId = operation });
        await WaitForStageAsync(rig, OperationStage.GeneratingKey);

        var clock = Stopwatch.StartNew();
        (await rig.Connection.InvokeAsync<bool>(AgentHubContract.CancelOperation, operation)).ShouldBeTrue();
        var result = await running;

        result.Error.ShouldBe(new AgentError(AgentErrorCode.Cancelled));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1), "the page is answered before the card finishes");

        var busy = await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Pin), false));
        busy.Error.ShouldBe(new AgentError(AgentErrorCode.Busy), "the device is still finishing and cleaning up");

        rig.Device.SetSlowness(null);
        await EventuallyAsync(async () => (await rig.InvokeAsync<bool>(AgentHubContract.Login, new AreaLogin(rig.DeviceId, AreaKind.Standard, Codes(DemoDevice.Pin), false))).Error is null);
        (await rig.Device.ObjectsAsync(DemoDevice.StandardLabel, DemoDevice.Pin)).ShouldNotContain(o => o.Label.StartsWith(DeviceModelCatalogue.OrphanKeyPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_operation_longer_than_the_limit_times_out()
    {
        await using var rig = await StartAsync("--Agent:OperationTimeoutSeconds=1");
        rig.Device.SetSlowness(Slow);

        var clock = Stopwatch.StartNew();
        var result = await rig.InvokeAsync<KeyRequestCreated>(AgentHubContract.CreateKeyRequest, RequestTests.Standard(rig, KeyAlgorithm.Rsa2048));

        result.Error.ShouldBe(new AgentError(AgentErrorCode.TimedOut));
        clock.Elapsed.ShouldBeLessThan(Slow);
    }

    private static async Task WaitForStageAsync(TokenCareRig rig, OperationStage wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (await rig.Stages.Reader.ReadAsync(timeout.Token) != wanted)
        {
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the condition never held");
            await Task.Delay(100);
        }
    }
}

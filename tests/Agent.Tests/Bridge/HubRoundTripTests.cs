using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Qtsp.Agent.Pkcs11;
using Qtsp.Agent.Tests.Support;
using Qtsp.Agent.Tokens;
using Qtsp.Shared.Bridge;
using Qtsp.Shared.Devices;

namespace Qtsp.Agent.Tests.Bridge;

/// <summary>Real SignalR round trips to the agent's hub (HubConnection over a WebSocket, JSON protocol), as the portal's page makes them.</summary>
[Collection(InProcessSoftHsm.Name)]
public sealed class HubRoundTripTests(AgentServer agent) : IClassFixture<AgentServer>
{
    [Fact]
    public async Task Agent_info_names_the_protocol_and_the_loaded_module()
    {
        await using var connection = await ConnectAsync(AgentServer.AllowedOrigin);

        var info = await connection.InvokeAsync<AgentInfo>(AgentHubContract.GetAgentInfo);

        info.ProtocolVersion.ShouldBe(AgentHubContract.ProtocolVersion);
        info.Version.ShouldNotBeNullOrWhiteSpace();
        var module = info.Modules.ShouldHaveSingleItem();
        module.Path.ShouldBe(Pkcs11Module.ResolvePath(SharedSoftHsm.ModulePath));
        (module.Loaded, module.Manufacturer, module.CryptokiVersion, module.Error).ShouldBe((true, "SoftHSM", "2.40", (string?)null));
    }

    [Fact]
    public async Task Devices_list_both_softhsm_tokens_as_areas_of_one_device_and_the_spare_token()
    {
        await using var connection = await ConnectAsync(AgentServer.AllowedOrigin);

        var result = await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices);

        result.Error.ShouldBeNull();
        var devices = result.Value.ShouldNotBeNull();
        devices.Count.ShouldBe(2);
        var pair = devices.Single(d => d.Areas.Count == 2);
        pair.Areas.Select(a => (a.Kind, a.Label)).ShouldBe([(AreaKind.Standard, SharedSoftHsm.StandardLabel), (AreaKind.Qualified, SharedSoftHsm.QualifiedLabel)]);
        pair.Areas[1].Certificates.ShouldHaveSingleItem().IsOnQscd.ShouldBeTrue();
        pair.Areas[0].Keys.Single(k => k.Label == SharedSoftHsm.ServiceKeyLabel).Role.ShouldBe(KeyRole.ServiceKey);
        devices.Single(d => d.Areas.Count == 1).Areas.Single().Label.ShouldBe(SharedSoftHsm.SpareLabel);

        // The same ids the agent's own reader and assembler give in-process.
        var module = agent.SoftHsm.Module;
        var local = DeviceAssembler.Assemble(module.GetSlotList(tokenPresent: true).Select(s => TokenReader.Read(module, s)).OfType<SlotReading>().ToArray());
        devices.Select(d => d.DeviceId).ShouldBe(local.Select(d => d.DeviceId), ignoreOrder: true);
    }

    [Fact]
    public async Task Plain_softhsm_offers_no_rename_and_a_rename_is_answered_not_supported()
    {
        await using var connection = await ConnectAsync(AgentServer.AllowedOrigin);
        var devices = (await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Value!;
        devices.ShouldAllBe(d => !d.CanRename);

        var pair = devices.Single(d => d.Areas.Count == 2);
        var renamed = await connection.InvokeAsync<AgentResult<string>>(AgentHubContract.RenameToken, new TokenRename(pair.DeviceId, "Renamed"));

        renamed.Error.ShouldBe(new AgentError(AgentErrorCode.NotSupported));
        agent.SoftHsm.Module.GetTokenInfo(ulong.Parse(pair.Areas[0].SlotId, System.Globalization.CultureInfo.InvariantCulture)).Label.ShouldBe(SharedSoftHsm.StandardLabel);
    }

    [Fact]
    public async Task Token_info_answers_for_each_area_of_a_listed_device()
    {
        await using var connection = await ConnectAsync(AgentServer.AllowedOrigin);
        var devices = (await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Value!;
        var deviceId = devices.Single(d => d.Areas.Count == 2).DeviceId;

        var standard = await connection.InvokeAsync<AgentResult<TokenStatus>>(AgentHubContract.GetTokenInfo, deviceId, AreaKind.Standard);
        var qualified = await connection.InvokeAsync<AgentResult<TokenStatus>>(AgentHubContract.GetTokenInfo, deviceId, AreaKind.Qualified);

        standard.Error.ShouldBeNull();
        standard.Value.ShouldBe(new TokenStatus(
            SharedSoftHsm.StandardLabel,
            agent.SoftHsm.Standard.Serial,
            new PinStatus(PinKind.Pin, PinState.Ok, false),
            new PinStatus(PinKind.Puk, PinState.Ok, false),
            standard.Value!.Memory));
        qualified.Value.ShouldNotBeNull().Label.ShouldBe(SharedSoftHsm.QualifiedLabel);
        qualified.Value.UserPin.Kind.ShouldBe(PinKind.QPin);
        qualified.Value.SoPin.Kind.ShouldBe(PinKind.QPuk);
    }

    [Fact]
    public async Task Token_info_for_an_unknown_device_is_a_failure_result_not_an_exception()
    {
        await using var connection = await ConnectAsync(AgentServer.AllowedOrigin);

        var result = await connection.InvokeAsync<AgentResult<TokenStatus>>(AgentHubContract.GetTokenInfo, "dev-0000000000000000", AreaKind.Standard);

        result.Value.ShouldBeNull();
        result.Error.ShouldBe(new AgentError(AgentErrorCode.DeviceNotFound));
    }

    [Fact]
    public async Task A_change_of_pin_state_is_pushed_to_connected_pages()
    {
        await using var connection = await ConnectAsync(AgentServer.AllowedOrigin);
        var changes = Channel.CreateUnbounded<List<DeviceSnapshot>>();
        using var subscription = connection.On<List<DeviceSnapshot>>(AgentHubContract.DevicesChanged, devices => changes.Writer.TryWrite(devices));
        (await connection.InvokeAsync<AgentResult<List<DeviceSnapshot>>>(AgentHubContract.GetDevices)).Error.ShouldBeNull();

        // SoftHSM raises CKF_USER_PIN_COUNT_LOW after a wrong PIN and clears it after a good one: both changes must be pushed.
        var module = agent.SoftHsm.Module;
        using var session = module.OpenSession(agent.SoftHsm.Standard.SlotId, readWrite: false);
        try
        {
            Should.Throw<Pkcs11Exception>(() => session.Login(CKU.CKU_USER, "0000"u8.ToArray()));
            await WaitForStandardPinStateAsync(changes.Reader, PinState.CountLow);
        }
        finally
        {
            session.Login(CKU.CKU_USER, Encoding.UTF8.GetBytes(SharedSoftHsm.UserPin));
            session.Logout();
        }

        await WaitForStandardPinStateAsync(changes.Reader, PinState.Ok);
    }

    [Fact]
    public async Task A_hub_connection_from_a_refused_origin_does_not_start()
    {
        var connection = Build(AgentServer.RefusedOrigin);
        try
        {
            var error = await Should.ThrowAsync<HttpRequestException>(() => connection.StartAsync());
            error.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden, "refused already at negotiate");
            connection.State.ShouldBe(HubConnectionState.Disconnected);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private static async Task WaitForStandardPinStateAsync(ChannelReader<List<DeviceSnapshot>> changes, PinState state)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await foreach (var devices in changes.ReadAllAsync(timeout.Token))
            {
                var standard = devices.SelectMany(d => d.Areas).SingleOrDefault(a => a.Label == SharedSoftHsm.StandardLabel);
                if (standard?.UserPin.State == state)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No {AgentHubContract.DevicesChanged} with the standard area's PIN {state} arrived within 10 s.");
        }
    }

    private Task<HubConnection> ConnectAsync(string origin) => AgentHubClient.ConnectAsync(agent.HubWebSocketAddress, origin);

    private HubConnection Build(string origin) => AgentHubClient.Build(agent.HubWebSocketAddress, origin);
}

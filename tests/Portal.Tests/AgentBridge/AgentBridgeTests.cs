using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bunit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Qtsp.Portal.AgentBridge;
using Qtsp.Shared.Bridge;
using Qtsp.TestSupport;
using Bridge = Qtsp.Portal.AgentBridge.AgentBridge;

namespace Qtsp.Portal.Tests.AgentBridge;

/// <summary>
/// The C# side of the bridge against bUnit's JS runtime standing in for the page (the import answers with a module
/// whose calls are recorded), and its contract with wwwroot/js/agent-bridge.js.
/// </summary>
public sealed partial class AgentBridgeTests : BunitContext
{
    private static readonly string ModuleSource = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "portal", "wwwroot", "js", "agent-bridge.js"));

    /// <summary>The page's module: loose, so that a call nobody set up answers with its default, and recorded.</summary>
    private static BunitJSModuleInterop ModuleOf(BunitJSInterop page)
    {
        var module = page.SetupModule(Bridge.ModulePath);
        module.Mode = JSRuntimeMode.Loose;
        return module;
    }

    /// <summary>What the bridge asked of the page: the import, then the calls on the module (bUnit records both on the page).</summary>
    private static string[] Calls(BunitJSInterop page) => [.. page.Invocations.Select(i => i.Identifier)];

    private static Bridge NewBridge(BunitJSInterop page, string url = "http://127.0.0.1:47999", IAgentLinkPolicy? policy = null, AgentLinks? links = null) =>
        new(page.JSRuntime, Options.Create(new AgentBridgeOptions { Url = url, RetryMilliseconds = 250 }), policy ?? new AllowAgentLink(), links ?? new AgentLinks(), NullLogger<Bridge>.Instance);

    [Fact]
    public async Task Ending_an_accounts_sign_in_closes_the_links_of_its_pages_only()
    {
        var links = new AgentLinks();
        await using var other = new BunitContext();
        var mine = JSInterop;
        var theirs = other.JSInterop;
        ModuleOf(mine);
        ModuleOf(theirs);
        await using var myPage = NewBridge(mine, policy: new SignedIn("holder-1"), links: links);
        await using var theirPage = NewBridge(theirs, policy: new SignedIn("holder-2"), links: links);
        await myPage.StartAsync();
        await theirPage.StartAsync();
        myPage.OnAgentState("connected", null);
        myPage.OnDevices([Token.TokenSamples.Device(Qtsp.Shared.Devices.DeviceModelCatalogue.EToken5110Cc, "5110CC0000000001")]);

        await links.CloseAllOfAsync("holder-1");

        Calls(mine).ShouldBe(["import", "start", "stop"]);
        myPage.State.ShouldBe(AgentConnectionState.Disabled);
        myPage.Devices.ShouldBeEmpty();
        myPage.OnAgentState("connected", null); // a late report from the closed link
        myPage.State.ShouldBe(AgentConnectionState.Disabled);
        Calls(theirs).ShouldBe(["import", "start"]);
        theirPage.State.ShouldBe(AgentConnectionState.Connecting);
    }

    private sealed class SignedIn(string account) : IAgentLinkPolicy
    {
        public Task<AgentLinkDecision> DecideAsync() => Task.FromResult(new AgentLinkDecision(true, account));
    }

    [Fact]
    public async Task A_session_that_may_not_reach_the_agent_never_touches_the_page()
    {
        await using var bridge = NewBridge(JSInterop, policy: new NoAgentLink());

        await bridge.StartAsync();

        bridge.State.ShouldBe(AgentConnectionState.Disabled);
        JSInterop.Invocations.ShouldBeEmpty();
        (await bridge.InvokeAsync<TokenStatus>(AgentHubContract.GetTokenInfo, "dev", AreaKind.Standard)).Error!.Code.ShouldBe(AgentErrorCode.AgentUnavailable);
    }

    private sealed class NoAgentLink : IAgentLinkPolicy
    {
        public Task<AgentLinkDecision> DecideAsync() => Task.FromResult(new AgentLinkDecision(false, null));
    }

    [Fact]
    public void Every_state_the_module_reports_is_a_known_state()
    {
        var reported = ReportedState().Matches(ModuleSource).SelectMany(m => QuotedWord().Matches(m.Value)).Select(m => m.Groups[1].Value).Distinct().ToArray();

        reported.ShouldBe(["idle", "originRefused", "notRunning", "incompatible", "connected", "connecting"], ignoreOrder: true);
        foreach (var state in reported)
        {
            Enum.TryParse<AgentConnectionState>(state, ignoreCase: true, out _).ShouldBeTrue(state);
        }
    }

    [Fact]
    public void The_module_calls_back_only_methods_the_bridge_offers_and_the_hub_names_of_the_contract()
    {
        var invokable = typeof(Bridge).GetMethods().Select(m => (m.Name, m.GetCustomAttribute<JSInvokableAttribute>())).Where(m => m.Item2 is not null).Select(m => m.Item2!.Identifier ?? m.Name).ToArray();
        var calledBack = CallBack().Matches(ModuleSource).Select(m => m.Groups[1].Value).Distinct().ToArray();
        var hubMethods = HubCall().Matches(ModuleSource).Select(m => m.Groups[1].Value).Distinct().ToArray();

        calledBack.ShouldBe(["OnAgentState", "OnDevices"], ignoreOrder: true);
        calledBack.ShouldBeSubsetOf(invokable);
        hubMethods.ShouldBe([AgentHubContract.DevicesChanged, AgentHubContract.OperationProgress, AgentHubContract.GetAgentInfo, AgentHubContract.GetDevices, AgentHubContract.CancelOperation], ignoreOrder: true);
        ModuleSource.ShouldContain($"'{AgentHubContract.Path}'");
    }

    [Fact]
    public async Task Start_loads_the_module_once_and_starts_the_link()
    {
        var module = ModuleOf(JSInterop);
        await using var bridge = NewBridge(JSInterop);
        var changes = 0;
        bridge.Changed += () => changes++;

        await bridge.StartAsync();
        await bridge.StartAsync();

        Calls(JSInterop).ShouldBe(["import", "start"]);
        JSInterop.Invocations["import"].ShouldHaveSingleItem().Arguments.ShouldBe([Bridge.ModulePath]);
        var start = module.Invocations["start"].ShouldHaveSingleItem().Arguments;
        start[0].ShouldBe("http://127.0.0.1:47999");
        start[1].ShouldBe(AgentHubContract.ProtocolVersion);
        start[2].ShouldBe(250);
        start[3].ShouldBeOfType<DotNetObjectReference<Bridge>>().Value.ShouldBeSameAs(bridge);
        bridge.State.ShouldBe(AgentConnectionState.Connecting);
        changes.ShouldBe(1);
    }

    [Theory]
    [InlineData("connected", AgentConnectionState.Connected)]
    [InlineData("notRunning", AgentConnectionState.NotRunning)]
    [InlineData("originRefused", AgentConnectionState.OriginRefused)]
    [InlineData("incompatible", AgentConnectionState.Incompatible)]
    [InlineData("connecting", AgentConnectionState.Connecting)]
    [InlineData("something-new", AgentConnectionState.NotRunning)]
    public async Task Reported_state_is_taken_over(string reported, AgentConnectionState expected)
    {
        await using var bridge = NewBridge(JSInterop);
        var agent = new AgentInfo("1.0.0", AgentHubContract.ProtocolVersion, "Linux", []);
        var changes = 0;
        bridge.Changed += () => changes++;

        bridge.OnAgentState(reported, agent);

        bridge.State.ShouldBe(expected);
        bridge.Agent.ShouldBe(agent);
        changes.ShouldBe(1);
    }

    [Fact]
    public async Task Reports_of_the_page_are_read_as_the_agents_hub_writes_them()
    {
        await using var bridge = NewBridge(JSInterop);
        // SignalR's JSON hub protocol as the agent's hub uses it: camel case, enums by their attributes.
        var hubJson = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        var agent = new AgentInfo("1.2.3", AgentHubContract.ProtocolVersion, "Linux", [new ModuleStatus("/usr/lib/softhsm/libsofthsm2.so", true, "SoftHSM", "SoftHSM", "2.40", null)]);
        var device = Token.TokenSamples.Device(
            Qtsp.Shared.Devices.DeviceModelCatalogue.EToken5110Cc,
            "0A1B2C3D",
            Token.TokenSamples.Area(Qtsp.Shared.Bridge.AreaKind.Qualified, PinState.CountLow, certificates: [Token.TokenSamples.Certificate()], keys: [Token.TokenSamples.Key("Jan", KeyRole.Certified)], memory: new MemoryStatus(1000, 400, null, null)));

        bridge.ReceiveAgentState("connected", JsonSerializer.SerializeToElement(agent, hubJson));
        bridge.ReceiveDevices(JsonSerializer.SerializeToElement(new[] { device }, hubJson));

        JsonSerializer.Serialize(bridge.Agent).ShouldBe(JsonSerializer.Serialize(agent));
        JsonSerializer.Serialize(bridge.Devices).ShouldBe(JsonSerializer.Serialize(new[] { device }));
        JsonSerializer.Serialize(bridge.Devices, hubJson).ShouldContain("\"state\":\"CountLow\"");

        // A report that is no list of devices (a tampered page) shows no device rather than a wrong one.
        bridge.ReceiveDevices(JsonSerializer.SerializeToElement("nothing"));
        bridge.Devices.ShouldBeEmpty();
        Should.Throw<JsonException>(() => bridge.ReceiveDevices(JsonSerializer.SerializeToElement(new[] { new { areas = "none" } })));
    }

    [Fact]
    public async Task Devices_are_forgotten_when_the_link_is_lost()
    {
        await using var bridge = NewBridge(JSInterop);
        bridge.OnAgentState("connected", null);
        bridge.OnDevices([new DeviceSnapshot("d", "unknown", "Token", "Vendor", "1", "/lib.so", [])]);
        bridge.Devices.Count.ShouldBe(1);

        bridge.OnAgentState("connecting", null);

        bridge.Devices.ShouldBeEmpty();
    }

    [Fact]
    public async Task Calls_without_a_link_fail_as_agent_unavailable_without_touching_the_page()
    {
        ModuleOf(JSInterop);
        await using var bridge = NewBridge(JSInterop);

        var beforeStart = await bridge.InvokeAsync<AgentInfo>(AgentHubContract.GetAgentInfo);
        await bridge.StartAsync();
        var whileConnecting = await bridge.InvokeAsync<AgentInfo>(AgentHubContract.GetAgentInfo);

        beforeStart.Error.ShouldBe(new AgentError(AgentErrorCode.AgentUnavailable));
        whileConnecting.Error.ShouldBe(new AgentError(AgentErrorCode.AgentUnavailable));
        Calls(JSInterop).ShouldNotContain("invoke");
    }

    [Fact]
    public async Task Calls_over_a_link_go_through_the_module()
    {
        var info = new AgentInfo("2.0.0", AgentHubContract.ProtocolVersion, "Linux", []);
        var module = ModuleOf(JSInterop);
        module.Setup<AgentResult<AgentInfo>>("invoke", _ => true).SetResult(AgentResult.Success(info));
        await using var bridge = NewBridge(JSInterop);
        await bridge.StartAsync();
        bridge.OnAgentState("connected", info);

        var result = await bridge.InvokeAsync<AgentInfo>(AgentHubContract.GetTokenInfo, "slot-7", 3);

        result.IsSuccess.ShouldBeTrue();
        result.Value.ShouldBe(info);
        module.Invocations["invoke"].ShouldHaveSingleItem().Arguments.ShouldBe([AgentHubContract.GetTokenInfo, "slot-7", 3]);
    }

    [Fact]
    public async Task Dispose_stops_the_link_and_survives_a_closed_page()
    {
        var module = ModuleOf(JSInterop);
        module.SetupVoid("stop").SetException(new JSDisconnectedException("The page is gone."));
        var bridge = NewBridge(JSInterop);
        await bridge.StartAsync();

        await Should.NotThrowAsync(bridge.DisposeAsync().AsTask());

        module.Invocations.Select(i => i.Identifier).Last().ShouldBe("stop");
    }

    [Fact]
    public async Task Agent_address_comes_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AgentBridge:Url"] = "http://127.0.0.1:1234" }).Build();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(JSInterop.JSRuntime)
            .AddAgentBridge(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await using var scope = services.CreateAsyncScope();

        scope.ServiceProvider.GetRequiredService<Bridge>().AgentUrl.ShouldBe("http://127.0.0.1:1234");
        new AgentBridgeOptions().Url.ShouldBe("http://127.0.0.1:47180");
    }

    [GeneratedRegex(@"report\([^;]*|state: '\w+'")]
    private static partial Regex ReportedState();

    [GeneratedRegex(@"'(\w+)'")]
    private static partial Regex QuotedWord();

    [GeneratedRegex(@"toDotnet\('(\w+)'")]
    private static partial Regex CallBack();

    [GeneratedRegex(@"(?:connection\.(?:invoke|on)|\binvoke)\('(\w+)'")]
    private static partial Regex HubCall();
}

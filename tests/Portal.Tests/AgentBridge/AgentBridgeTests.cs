using System.Reflection;
using System.Text.RegularExpressions;
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

/// <summary>The C# side of the bridge against a recorded page, and its contract with wwwroot/js/agent-bridge.js.</summary>
public sealed partial class AgentBridgeTests
{
    private static readonly string ModuleSource = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "portal", "wwwroot", "js", "agent-bridge.js"));

    private static Bridge NewBridge(RecordingJSRuntime js, string url = "http://127.0.0.1:47999", IAgentLinkPolicy? policy = null, AgentLinks? links = null) =>
        new(js, Options.Create(new AgentBridgeOptions { Url = url, RetryMilliseconds = 250 }), policy ?? new AllowAgentLink(), links ?? new AgentLinks(), NullLogger<Bridge>.Instance);

    [Fact]
    public async Task Ending_an_accounts_sign_in_closes_the_links_of_its_pages_only()
    {
        var links = new AgentLinks();
        var mine = new RecordingJSRuntime();
        var theirs = new RecordingJSRuntime();
        await using var myPage = NewBridge(mine, policy: new SignedIn("holder-1"), links: links);
        await using var theirPage = NewBridge(theirs, policy: new SignedIn("holder-2"), links: links);
        await myPage.StartAsync();
        await theirPage.StartAsync();
        myPage.OnAgentState("connected", null);
        myPage.OnDevices([Token.TokenSamples.Device(Qtsp.Shared.Devices.DeviceModelCatalogue.EToken5110Cc, "5110CC0000000001")]);

        await links.CloseAllOfAsync("holder-1");

        mine.Calls.Select(c => c.Identifier).ShouldBe(["import", "start", "stop"]);
        myPage.State.ShouldBe(AgentConnectionState.Disabled);
        myPage.Devices.ShouldBeEmpty();
        myPage.OnAgentState("connected", null); // a late report from the closed link
        myPage.State.ShouldBe(AgentConnectionState.Disabled);
        theirs.Calls.Select(c => c.Identifier).ShouldBe(["import", "start"]);
        theirPage.State.ShouldBe(AgentConnectionState.Connecting);
    }

    private sealed class SignedIn(string account) : IAgentLinkPolicy
    {
        public bool LinkAllowed => true;

        public string? SignedInAccount => account;
    }

    [Fact]
    public async Task A_session_that_may_not_reach_the_agent_never_touches_the_page()
    {
        var js = new RecordingJSRuntime();
        await using var bridge = NewBridge(js, policy: new NoAgentLink());

        await bridge.StartAsync();

        bridge.State.ShouldBe(AgentConnectionState.Disabled);
        js.Calls.ShouldBeEmpty();
        (await bridge.InvokeAsync<TokenStatus>(AgentHubContract.GetTokenInfo, "dev", AreaKind.Standard)).Error!.Code.ShouldBe(AgentErrorCode.AgentUnavailable);
    }

    private sealed class NoAgentLink : IAgentLinkPolicy
    {
        public bool LinkAllowed => false;

        public string? SignedInAccount => null;
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
        var invokable = typeof(Bridge).GetMethods().Where(m => m.GetCustomAttribute<JSInvokableAttribute>() is not null).Select(m => m.Name).ToArray();
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
        var js = new RecordingJSRuntime();
        await using var bridge = NewBridge(js);
        var changes = 0;
        bridge.Changed += () => changes++;

        await bridge.StartAsync();
        await bridge.StartAsync();

        js.Calls.Select(c => c.Identifier).ShouldBe(["import", "start"]);
        js.Calls[0].Arguments.ShouldBe([Bridge.ModulePath]);
        var start = js.Calls[1].Arguments;
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
        await using var bridge = NewBridge(new RecordingJSRuntime());
        var agent = new AgentInfo("1.0.0", AgentHubContract.ProtocolVersion, "Linux", []);
        var changes = 0;
        bridge.Changed += () => changes++;

        bridge.OnAgentState(reported, agent);

        bridge.State.ShouldBe(expected);
        bridge.Agent.ShouldBe(agent);
        changes.ShouldBe(1);
    }

    [Fact]
    public async Task Devices_are_forgotten_when_the_link_is_lost()
    {
        await using var bridge = NewBridge(new RecordingJSRuntime());
        bridge.OnAgentState("connected", null);
        bridge.OnDevices([new DeviceSnapshot("d", "unknown", "Token", "Vendor", "1", "/lib.so", [])]);
        bridge.Devices.Count.ShouldBe(1);

        bridge.OnAgentState("connecting", null);

        bridge.Devices.ShouldBeEmpty();
    }

    [Fact]
    public async Task Calls_without_a_link_fail_as_agent_unavailable_without_touching_the_page()
    {
        var js = new RecordingJSRuntime();
        await using var bridge = NewBridge(js);

        var beforeStart = await bridge.InvokeAsync<AgentInfo>(AgentHubContract.GetAgentInfo);
        await bridge.StartAsync();
        var whileConnecting = await bridge.InvokeAsync<AgentInfo>(AgentHubContract.GetAgentInfo);

        beforeStart.Error.ShouldBe(new AgentError(AgentErrorCode.AgentUnavailable));
        whileConnecting.Error.ShouldBe(new AgentError(AgentErrorCode.AgentUnavailable));
        js.Calls.Select(c => c.Identifier).ShouldNotContain("invoke");
    }

    [Fact]
    public async Task Calls_over_a_link_go_through_the_module()
    {
        var info = new AgentInfo("2.0.0", AgentHubContract.ProtocolVersion, "Linux", []);
        var js = new RecordingJSRuntime { Answer = (identifier, _) => identifier == "invoke" ? AgentResult.Success(info) : null };
        await using var bridge = NewBridge(js);
        await bridge.StartAsync();
        bridge.OnAgentState("connected", info);

        var result = await bridge.InvokeAsync<AgentInfo>(AgentHubContract.GetTokenInfo, "slot-7", 3);

        result.IsSuccess.ShouldBeTrue();
        result.Value.ShouldBe(info);
        var call = js.Calls.Last();
        call.Identifier.ShouldBe("invoke");
        call.Arguments.ShouldBe([AgentHubContract.GetTokenInfo, "slot-7", 3]);
    }

    [Fact]
    public async Task Dispose_stops_the_link_and_survives_a_closed_page()
    {
        var js = new RecordingJSRuntime();
        var bridge = NewBridge(js);
        await bridge.StartAsync();
        js.ThrowOn = new JSDisconnectedException("The page is gone.");

        await Should.NotThrowAsync(bridge.DisposeAsync().AsTask());

        js.Calls.Last().Identifier.ShouldBe("stop");
    }

    [Fact]
    public async Task Agent_address_comes_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AgentBridge:Url"] = "http://127.0.0.1:1234" }).Build();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IJSRuntime>(new RecordingJSRuntime())
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

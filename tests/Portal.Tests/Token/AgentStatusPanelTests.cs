using AngleSharp.Dom;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Tests.Support;
using Qtsp.Shared.Bridge;

namespace Qtsp.Portal.Tests.Token;

public sealed class AgentStatusPanelTests : TokenComponentTest
{
    private const string AgentUrl = "http://127.0.0.1:47180";
    private const string PortalOrigin = "https://portal.example.cz:8443";
    private static readonly AgentInfo Agent = new("7.8.9", AgentHubContract.ProtocolVersion, "Linux", []);

    private static readonly Dictionary<AgentConnectionState, string> ExpectedDataState = new()
    {
        [AgentConnectionState.Idle] = "connecting",
        [AgentConnectionState.Connecting] = "connecting",
        [AgentConnectionState.Connected] = "connected",
        [AgentConnectionState.NotRunning] = "not-running",
        [AgentConnectionState.OriginRefused] = "origin-refused",
        [AgentConnectionState.Incompatible] = "incompatible",
        [AgentConnectionState.Disabled] = "disabled",
    };

    public static TheoryData<AgentConnectionState, string> StatesAndCultures()
    {
        var data = new TheoryData<AgentConnectionState, string>();
        foreach (var state in Enum.GetValues<AgentConnectionState>())
        {
            foreach (var culture in Texts.CultureNames())
            {
                data.Add(state, culture);
            }
        }

        return data;
    }

    private Task<IElement> RenderAsync(AgentConnectionState state, string culture) =>
        Task.FromResult(RenderIn<AgentStatusPanel>(Texts.Culture(culture), p => p
            .Add(c => c.State, state)
            .Add(c => c.Agent, Agent)
            .Add(c => c.AgentUrl, AgentUrl)
            .Add(c => c.PortalOrigin, PortalOrigin)));

    [Fact]
    public void Every_state_has_an_expected_rendering()
    {
        ExpectedDataState.Keys.ShouldBe(Enum.GetValues<AgentConnectionState>(), ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(StatesAndCultures))]
    public async Task Shows_one_status_with_the_state_and_plain_words(AgentConnectionState state, string culture)
    {
        var body = await RenderAsync(state, culture);

        var status = body.QuerySelectorAll("[data-testid=agent-state]").ShouldHaveSingleItem();
        status.GetAttribute("data-state").ShouldBe(ExpectedDataState[state]);
        status.TextContent.Trim().ShouldNotBeEmpty();
        body.TextContent.ShouldNotContain("Exception");
        body.TextContent.ShouldNotMatch(@"\bat \w+(\.\w+)+\("); // no stack trace
        body.TextContent.ShouldNotContain("{0}");
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public async Task Not_running_names_the_agent_address_and_the_steps(string cultureName)
    {
        var culture = Texts.Culture(cultureName);

        var status = (await RenderAsync(AgentConnectionState.NotRunning, cultureName)).QuerySelector("[data-testid=agent-state]")!;

        status.TextContent.ShouldContain(AgentUrl);
        status.TextContent.ShouldContain(Texts.Get("Agent.NotRunning.Title", culture));
        status.TextContent.ShouldContain(Texts.Format("Agent.NotRunning.Text", culture, AgentUrl));
        var steps = status.QuerySelectorAll("ol > li").Select(li => li.TextContent.Trim()).ToArray();
        steps.ShouldBe([Texts.Get("Agent.NotRunning.Step1", culture), Texts.Get("Agent.NotRunning.Step2", culture), Texts.Get("Agent.NotRunning.Step3", culture)]);
        status.TextContent.ShouldNotContain(PortalOrigin);
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public async Task Refused_names_the_portal_origin_to_allow(string cultureName)
    {
        var culture = Texts.Culture(cultureName);

        var status = (await RenderAsync(AgentConnectionState.OriginRefused, cultureName)).QuerySelector("[data-testid=agent-state]")!;

        status.TextContent.ShouldContain(Texts.Get("Agent.Refused.Title", culture));
        status.TextContent.ShouldContain(Texts.Format("Agent.Refused.Text", culture, PortalOrigin));
        status.TextContent.ShouldContain(Texts.Format("Agent.Refused.Remedy", culture, PortalOrigin));
        status.TextContent.ShouldContain("Agent:AllowedOrigins");
        status.TextContent.ShouldNotContain(AgentUrl);
    }

    [Theory]
    [InlineData(AgentConnectionState.Incompatible, "cs", "aktualizovat")]
    [InlineData(AgentConnectionState.Incompatible, "en", "update")]
    [InlineData(AgentConnectionState.Connected, "cs", "připojen")]
    [InlineData(AgentConnectionState.Connected, "en", "connected")]
    public async Task Names_the_agent_version(AgentConnectionState state, string culture, string word)
    {
        var status = (await RenderAsync(state, culture)).QuerySelector("[data-testid=agent-state]")!;

        status.TextContent.ShouldContain("7.8.9");
        status.TextContent.ShouldContain(word, Case.Insensitive);
    }

    [Theory]
    [InlineData("cs", "Hledám agenta")]
    [InlineData("en", "agent")]
    public async Task Connecting_speaks_the_users_language(string culture, string words)
    {
        var status = (await RenderAsync(AgentConnectionState.Connecting, culture)).QuerySelector("[data-testid=agent-state]")!;

        status.QuerySelectorAll("span").Select(s => s.TextContent.Trim()).ShouldContain(Texts.Get("Agent.Connecting", Texts.Culture(culture)));
        status.TextContent.ShouldContain(words);
    }

    [Fact]
    public void Connected_without_agent_info_still_renders()
    {
        var body = RenderIn<AgentStatusPanel>(Texts.Culture("en"), p => p
            .Add(c => c.State, AgentConnectionState.Connected)
            .Add(c => c.AgentUrl, AgentUrl)
            .Add(c => c.PortalOrigin, PortalOrigin));

        body.QuerySelector("[data-state=connected]").ShouldNotBeNull().TextContent.ShouldContain("?");
    }

    public static TheoryData<string> Cultures() => Texts.CultureNames();
}

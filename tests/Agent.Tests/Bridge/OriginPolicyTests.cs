using Microsoft.Extensions.Options;
using Qtsp.Agent.Bridge;

namespace Qtsp.Agent.Tests.Bridge;

/// <summary>Which page origins the agent serves, compared the way browsers write an Origin header.</summary>
public sealed class OriginPolicyTests
{
    [Theory]
    [InlineData("http://portal.test:5180", "http://portal.test:5180")]
    [InlineData("http://portal.test:5180/", "http://portal.test:5180")]
    [InlineData("HTTP://Portal.TEST:5180", "http://portal.test:5180")]
    [InlineData("  https://portal.example  ", "https://portal.example")]
    [InlineData("https://portal.example:443", "https://portal.example")]
    [InlineData("http://portal.example:80", "http://portal.example")]
    [InlineData("https://portal.example:80", "https://portal.example:80")]
    [InlineData("http://127.0.0.1:5180", "http://127.0.0.1:5180")]
    [InlineData("http://[::1]:5180", "http://[::1]:5180")]
    [InlineData("https://bücher.example", "https://xn--bcher-kva.example")]
    public void Origins_normalise_to_scheme_host_and_non_default_port(string origin, string normalised)
    {
        OriginPolicy.Normalise(origin).ShouldBe(normalised);
    }

    [Theory]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("portal.test:5180")]
    [InlineData("/portal")]
    [InlineData("ftp://portal.test")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://portal.test:5180/path")]
    [InlineData("http://portal.test:5180?query")]
    [InlineData("http://portal.test:5180#fragment")]
    [InlineData("http://user@portal.test:5180")]
    public void Anything_that_is_not_an_origin_normalises_to_null(string origin)
    {
        OriginPolicy.Normalise(origin).ShouldBeNull();
    }

    [Fact]
    public void Configured_origins_are_allowed_in_any_spelling_and_nothing_else_is()
    {
        var policy = Policy("http://portal.test:5180", "https://portal.example/");

        policy.Allowed.ShouldBe(["http://portal.test:5180", "https://portal.example"], ignoreOrder: true);
        policy.IsAllowed("http://portal.test:5180").ShouldBeTrue();
        policy.IsAllowed("HTTP://PORTAL.TEST:5180").ShouldBeTrue();
        policy.IsAllowed("https://portal.example:443").ShouldBeTrue();
        policy.IsAllowed("http://portal.example").ShouldBeFalse("another scheme is another origin");
        policy.IsAllowed("http://portal.test:5181").ShouldBeFalse();
        policy.IsAllowed("http://portal.test:5180.evil.example").ShouldBeFalse();
        policy.IsAllowed("null").ShouldBeFalse();
        policy.IsAllowed(null).ShouldBeFalse();
    }

    [Fact]
    public void An_ipv6_portal_origin_is_handed_to_cors_as_browsers_write_it()
    {
        var policy = Policy("http://[::1]:5180");

        policy.Allowed.ShouldBe(["http://[::1]:5180"], "CORS compares this text with the Origin header");
        policy.IsAllowed("http://[::1]:5180").ShouldBeTrue();
        policy.IsAllowed("http://[0:0:0:0:0:0:0:1]:5180").ShouldBeTrue();
    }

    [Fact]
    public void Without_configuration_only_the_local_demo_portal_is_allowed()
    {
        var policy = Policy();

        policy.Allowed.ShouldBe(OriginPolicy.DemoPortalOrigins, ignoreOrder: true);
        policy.IsAllowed("http://localhost:5180").ShouldBeTrue();
        policy.IsAllowed("http://localhost:5181").ShouldBeFalse();
    }

    [Fact]
    public void Blank_entries_are_ignored_and_a_malformed_one_stops_the_agent()
    {
        Policy("", "  ", "http://portal.test:5180").Allowed.ShouldBe(["http://portal.test:5180"]);

        Should.Throw<InvalidOperationException>(() => Policy("http://portal.test:5180/login")).Message.ShouldContain("'http://portal.test:5180/login'");
    }

    private static OriginPolicy Policy(params string[] origins)
    {
        var options = new AgentOptions();
        foreach (var origin in origins)
        {
            options.AllowedOrigins.Add(origin);
        }

        return new OriginPolicy(Options.Create(options));
    }
}

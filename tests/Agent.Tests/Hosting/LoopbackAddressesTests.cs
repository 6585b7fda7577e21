using System.Net;
using Microsoft.Extensions.Configuration;
using Qtsp.Agent.Hosting;

namespace Qtsp.Agent.Tests.Hosting;

/// <summary>The agent serves this PC only: which listening URLs and host settings it accepts.</summary>
public sealed class LoopbackAddressesTests
{
    [Fact]
    public void The_ipv4_loopback_address_is_one_endpoint()
    {
        LoopbackAddresses.Endpoints("http://127.0.0.1:47180").ShouldBe([new IPEndPoint(IPAddress.Loopback, 47180)]);
    }

    [Fact]
    public void The_ipv6_loopback_address_is_one_endpoint()
    {
        LoopbackAddresses.Endpoints("http://[::1]:47180").ShouldBe([new IPEndPoint(IPAddress.IPv6Loopback, 47180)]);
    }

    [Theory]
    [InlineData("http://localhost:47180")]
    [InlineData("http://LOCALHOST:47180/")]
    public void Localhost_is_both_loopback_addresses_never_a_name_lookup(string url)
    {
        LoopbackAddresses.Endpoints(url).ShouldBe([new IPEndPoint(IPAddress.Loopback, 47180), new IPEndPoint(IPAddress.IPv6Loopback, 47180)], ignoreOrder: true);
    }

    [Fact]
    public void Any_address_of_127_slash_8_is_loopback_and_port_0_asks_for_a_free_port()
    {
        LoopbackAddresses.Endpoints("http://127.0.0.2:0").ShouldBe([new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0)]);
    }

    [Theory]
    [InlineData("http://0.0.0.0:47180")]
    [InlineData("http://[::]:47180")]
    [InlineData("http://192.168.1.20:47180")]
    [InlineData("http://10.0.0.1:47180")]
    [InlineData("http://[fe80::1]:47180")]
    [InlineData("http://agent.example:47180")]
    [InlineData("http://localhost.example:47180")]
    public void Network_addresses_and_host_names_are_refused(string url)
    {
        var error = Should.Throw<InvalidOperationException>(() => LoopbackAddresses.Endpoints(url));

        error.Message.ShouldContain("Agent:Url");
        error.Message.ShouldContain(url);
        error.Message.ShouldContain("not a loopback address");
    }

    [Theory]
    [InlineData("https://127.0.0.1:47180")]
    [InlineData("http://127.0.0.1:47180/agent")]
    [InlineData("ws://127.0.0.1:47180")]
    [InlineData("127.0.0.1:47180")]
    [InlineData("")]
    public void Other_schemes_paths_and_malformed_urls_are_refused(string url)
    {
        Should.Throw<InvalidOperationException>(() => LoopbackAddresses.Endpoints(url)).Message.ShouldContain("must look like http://127.0.0.1:47180");
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("LocalHost", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("evil.example", false)]
    [InlineData("localhost.evil.example", false)]
    [InlineData("127.0.0.1.nip.io", false)]
    [InlineData("", false)]
    public void Host_headers_are_accepted_only_for_loopback_names(string host, bool accepted)
    {
        LoopbackAddresses.IsLoopbackHostName(host).ShouldBe(accepted);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000")]
    [InlineData("http://127.0.0.1:5000;http://[::1]:5000")]
    [InlineData(" http://localhost:5000 ; ")]
    public void Loopback_urls_settings_are_tolerated(string urls)
    {
        Should.NotThrow(() => LoopbackAddresses.RejectNonLoopbackBindings(Configuration(("urls", urls))));
    }

    [Theory]
    [InlineData("http://0.0.0.0:5000")]
    [InlineData("http://+:5000")]
    [InlineData("http://*:5000")]
    [InlineData("http://127.0.0.1:5000;http://192.168.1.20:5000")]
    [InlineData("http://[::]:5000")]
    public void Urls_naming_anything_but_loopback_are_refused(string urls)
    {
        var error = Should.Throw<InvalidOperationException>(() => LoopbackAddresses.RejectNonLoopbackBindings(Configuration(("urls", urls))));

        error.Message.ShouldStartWith("urls '");
    }

    [Theory]
    [InlineData("http_ports")]
    [InlineData("https_ports")]
    public void Port_only_settings_are_refused_because_they_bind_every_interface(string key)
    {
        var error = Should.Throw<InvalidOperationException>(() => LoopbackAddresses.RejectNonLoopbackBindings(Configuration((key, "5000"))));

        error.Message.ShouldContain($"'{key}' would listen on every network interface");
    }

    [Fact]
    public void Kestrel_endpoints_are_refused_even_on_loopback()
    {
        var configuration = Configuration(("Kestrel:Endpoints:Http:Url", "http://127.0.0.1:5000"));

        Should.Throw<InvalidOperationException>(() => LoopbackAddresses.RejectNonLoopbackBindings(configuration)).Message.ShouldContain("Kestrel:Endpoints");
    }

    [Fact]
    public void No_host_settings_at_all_is_fine()
    {
        Should.NotThrow(() => LoopbackAddresses.RejectNonLoopbackBindings(Configuration(("Agent:Url", "http://127.0.0.1:47180"), ("urls", ""))));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}

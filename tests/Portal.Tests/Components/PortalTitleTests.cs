using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Qtsp.Portal.Components;

namespace Qtsp.Portal.Tests.Components;

public sealed class PortalTitleTests : BunitContext
{
    public PortalTitleTests() => Services.AddLocalization();

    [Fact]
    public void In_a_circuit_the_browser_is_told_the_title_once_per_change()
    {
        JSInterop.Mode = JSRuntimeMode.Strict;
        JSInterop.SetupVoid("portalPageTitle", _ => true);
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var title = Render<PortalTitle>(p => p.Add(t => t.Text, "Můj token"));
        title.Render(p => p.Add(t => t.Text, "Můj token"));
        title.Render(p => p.Add(t => t.Text, "Certifikáty"));

        JSInterop.VerifyInvoke("portalPageTitle", 2).Select(i => i.Arguments.Single()).ShouldBe(["Můj token", "Certifikáty"]);
        title.FindComponents<PageTitle>().ShouldBeEmpty("no head outlet in the circuit");
    }

    [Fact]
    public void Before_the_page_is_interactive_the_title_goes_to_the_head_outlet()
    {
        JSInterop.Mode = JSRuntimeMode.Strict;
        Renderer.SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        var title = Render<PortalTitle>(p => p.Add(t => t.Text, "Přihlášení"));

        title.FindComponent<PageTitle>().ShouldNotBeNull();
        JSInterop.Invocations.ShouldBeEmpty();
    }
}

using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Qtsp.Agent.Bridge;
using Qtsp.Agent.Tokens;
using Qtsp.Agent.Tray;

namespace Qtsp.Agent.Tests.Tray;

/// <summary>What a menu choice does, whoever sends it (any program of the session can call the item over D-Bus).</summary>
public sealed class TrayPresenterTests
{
    [Fact]
    public void Pause_toggles_quit_stops_and_unknown_or_informative_ids_do_nothing()
    {
        var (presenter, lifetime, dispose) = Create();
        using var _ = dispose;

        presenter.Choose(TrayMenu.PauseId);
        presenter.State.Paused.ShouldBeTrue();
        presenter.Menu(presenter.State).Single(i => i.Id == TrayMenu.PauseId).Command.ShouldBe(TrayCommand.ResumeBridge);

        presenter.Choose(TrayMenu.OpenPortalId); // disabled while paused: no browser is started
        presenter.Choose(TrayMenu.FirstInformativeId);
        presenter.Choose(-1);
        presenter.Choose(int.MaxValue);
        presenter.State.Paused.ShouldBeTrue();
        lifetime.ApplicationStopping.IsCancellationRequested.ShouldBeFalse();

        presenter.Choose(TrayMenu.PauseId);
        presenter.State.Paused.ShouldBeFalse();

        presenter.Choose(TrayMenu.QuitId);
        lifetime.ApplicationStopping.IsCancellationRequested.ShouldBeTrue();
    }

    [Fact]
    public void The_portal_page_is_my_token_on_the_configured_portal()
    {
        var (presenter, _, dispose) = Create("https://portal.example.cz");
        using var _ = dispose;

        presenter.PortalPage.ShouldBe(new Uri("https://portal.example.cz/token"));
    }

    private static (TrayPresenter Presenter, ApplicationLifetime Lifetime, IDisposable Dispose) Create(string origin = "http://portal.test:5180")
    {
        var agentOptions = new AgentOptions();
        agentOptions.AllowedOrigins.Add(origin);
        agentOptions.Modules.Add("/nonexistent/libnothing.so"); // configured but missing: reported, nothing loaded
        var options = Options.Create(agentOptions);
        var devices = new DeviceService(options, NullLogger<DeviceService>.Instance);
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var presenter = new TrayPresenter(
            new TrayStatus(TimeProvider.System), new TrayTexts(TrayLanguage.English), devices, new OriginPolicy(options), lifetime, options, NullLogger<TrayPresenter>.Instance);
        devices.Modules.ShouldHaveSingleItem().Loaded.ShouldBeFalse();
        return (presenter, lifetime, devices);
    }
}

using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Components;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Infrastructure;
using Radzen;

namespace Qtsp.Portal;

/// <summary>Composition of the portal: services, middleware and endpoints.</summary>
public static class PortalHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Serves package and build-time assets (Radzen, blazor.web.js, npm builds) when running from the
        // build output in any environment; a published app has them in wwwroot and this does nothing.
        builder.WebHost.UseStaticWebAssets();

        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = 512 * 1024); // device snapshots arrive from the page
        builder.Services.AddRadzenComponents();
        builder.Services.AddPortalLocalization();
        builder.Services.AddPortalData(builder.Configuration, builder.Environment);
        builder.Services.AddAgentBridge(builder.Configuration);
        builder.Services.AddTokenCare();
        builder.Services.AddHealthChecks().AddDbContextCheck<PortalDbContext>("database");

        var app = builder.Build();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        // A full page load of an unknown address gets the localised not-found page (with status 404) rather than an
        // empty response; the Router's NotFoundPage covers only navigation inside an interactive page.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UsePortalLocalization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapCultureSwitch();
        app.MapHealthChecks("/health");
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>Work before serving: the database is created and migrated.</summary>
    public static Task PrepareAsync(WebApplication app) => DatabaseSetup.MigrateAsync(app.Services);
}

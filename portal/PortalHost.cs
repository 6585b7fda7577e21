using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Components;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Features;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Account.EntraSignIn;
using Qtsp.Portal.Features.Pki;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.DataProtection;
using Qtsp.Portal.Infrastructure.Demo;
using Qtsp.Portal.Infrastructure.Hosting;
using Qtsp.Portal.Infrastructure.Observability;
using MudBlazor;
using MudBlazor.Services;

namespace Qtsp.Portal;

/// <summary>Composition of the portal: services, middleware and endpoints.</summary>
public static class PortalHost
{
    /// <param name="configureServices">Replaces services after the portal's own (tests: a fake clock).</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        AllowedHostsCheck.Require(builder.Configuration);

        // Serves package and build-time assets (MudBlazor, blazor.web.js, npm builds) when running from the
        // build output in any environment; a published app has them in wwwroot and this does nothing.
        builder.WebHost.UseStaticWebAssets();

        builder.Services.AddRazorComponents()
            .AddInteractiveServerComponents()
            .AddHubOptions(hub => hub.MaximumReceiveMessageSize = 512 * 1024); // device snapshots arrive from the page
        builder.Services.AddMudServices(mud => mud.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight);
        builder.Services.AddTransient<MudLocalizer, PortalMudLocalizer>();
        builder.Services.AddPortalLocalization();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddPortalData(builder.Configuration, builder.Environment);
        builder.Services.AddPortalDataProtection(builder.Configuration, builder.Environment);
        builder.Services.AddPortalAccounts();
        builder.Services.AddPortalEntraSignIn(builder.Configuration);
        builder.Services.AddEmbeddedCa(builder.Configuration);
        builder.Services.AddPortalFeatures(builder.Configuration);
        builder.Services.AddAgentBridge(builder.Configuration);
        builder.Services.AddTokenCare();
        builder.Services.AddHostingSecurity(builder.Configuration);
        builder.AddPortalObservability();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.UsePortalObservability();
        app.UseTrustedForwardedHeaders();
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandlingPath = "/error",
                CreateScopeForErrors = true,
                StatusCodeSelector = BadRequests.StatusCodeOf,
            });
        }

        // A full page load of an unknown address gets the localised not-found page (with status 404) rather than an
        // empty response; the Router's NotFoundPage covers only navigation inside an interactive page.
        app.UseCircuitShutdown();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UsePortalLocalization();
        app.UseRequestOrigin();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimits();
        app.UseAntiforgery();
        app.UseAntiforgeryRefusals();
        app.MapStaticAssets().AllowAnonymous();
        app.MapCultureSwitch();
        app.MapPortalHealth();
        app.MapAccountEndpoints();
        app.MapEntraEndpoints();
        app.MapFeatureEndpoints();
        app.MapPkiEndpoints();
        // The portal's own Content-Security-Policy (SecurityHeaders) says frame-ancestors 'none'; Blazor's would add a second header.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(server => server.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }

    /// <summary>
    /// Work before serving: the database is created and migrated, the roles exist, the CA has started (created at the
    /// first start), and the demo data when asked for.
    /// </summary>
    public static async Task PrepareAsync(WebApplication app)
    {
        await DatabaseSetup.MigrateAsync(app.Services).ConfigureAwait(false);
        await AccountSetup.EnsureRolesAsync(app.Services).ConfigureAwait(false);
        if (app.Services.GetService<EmbeddedCertificateAuthority>() is { } embeddedCa)
        {
            await embeddedCa.StartAsync().ConfigureAwait(false);
        }

        await KeyProtectionSetup.PrepareAsync(app.Services).ConfigureAwait(false);
        await StoredSecretsProtection.ProtectStoredAsync(app.Services).ConfigureAwait(false);

        var demo = app.Services.GetRequiredService<IOptions<DemoOptions>>().Value;
        if (demo.Enabled)
        {
            var accounts = await DemoData.SeedAsync(app.Services, demo, app.Services.GetRequiredService<TimeProvider>()).ConfigureAwait(false);
            if (accounts.Count > 0)
            {
                // Printed on the console only, once: never logged (log sinks keep what they get).
                await Console.Out.WriteLineAsync(DemoData.Describe(accounts)).ConfigureAwait(false);
                await Console.Out.FlushAsync().ConfigureAwait(false);
            }
        }
    }
}

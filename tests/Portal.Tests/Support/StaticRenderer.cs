using System.Globalization;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Features.Token;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.JSInterop;
using Radzen;

namespace Qtsp.Portal.Tests.Support;

/// <summary>
/// Renders a component to HTML with the framework's <see cref="HtmlRenderer"/> (bUnit does not restore here) and parses
/// the result with AngleSharp. The services are what the components and Radzen need for a static render: localisation
/// (the portal's resources), Radzen's services, and a JS runtime that refuses every call, as on a page without a circuit.
/// </summary>
internal static class StaticRenderer
{
    private static readonly Lazy<ServiceProvider> Services = new(() =>
    {
        var services = new ServiceCollection();
        services.AddLogging(); // no providers: nothing is written
        services.AddLocalization();
        services.AddRadzenComponents();
        services.AddSingleton<IJSRuntime, NoCircuitJSRuntime>();
        // The token page's components take the token-care services (they call nothing while rendering), and those take
        // the audit trail and the current actor, which take the database: an in-memory SQLite nobody touches.
        services.AddAgentBridge(new ConfigurationBuilder().Build());
        services.AddTokenCare();
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddDbContextFactory<PortalDbContext>(options => options.UseSqlite("Data Source=:memory:"));
        services.AddSingleton<DataAccess>();
        services.AddScoped<RequestOrigin>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<CurrentActor>();
        services.AddScoped<SessionActivity>();
        services.AddScoped<AuthenticationStateProvider, AnonymousAuthenticationStateProvider>();
        // Radzen's dialog, tooltip and context-menu services take the navigation manager.
        services.AddSingleton<NavigationManager, FixedNavigationManager>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    });

    public static async Task<IElement> RenderAsync<TComponent>(CultureInfo culture, IReadOnlyDictionary<string, object?> parameters)
        where TComponent : IComponent
    {
        // One scope per render, as one request (or circuit) has: Radzen's services are scoped.
        await using var scope = Services.Value.CreateAsyncScope();
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, NullLoggerFactory.Instance);
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            // What the request localisation middleware does for a request.
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            var output = await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters.ToDictionary()));
            return output.ToHtmlString();
        });

        var document = new HtmlParser().ParseDocument($"<!DOCTYPE html><html><body>{html}</body></html>");
        return document.Body!;
    }

    /// <summary>Nobody is signed in during a static render.</summary>
    private sealed class AnonymousAuthenticationStateProvider : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new System.Security.Claims.ClaimsPrincipal()));
    }

    /// <summary>A page at a fixed address; navigating away is not part of a static render.</summary>
    private sealed class FixedNavigationManager : NavigationManager
    {
        public FixedNavigationManager() => Initialize("https://portal.example.cz/", "https://portal.example.cz/token");

        protected override void NavigateToCore(string uri, NavigationOptions options) =>
            throw new InvalidOperationException($"Navigation to '{uri}' during a static render.");
    }

    /// <summary>Static rendering has no browser: a component that calls JS while rendering fails the test.</summary>
    private sealed class NoCircuitJSRuntime : IJSRuntime
    {
        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) =>
            throw new InvalidOperationException($"JS interop call '{identifier}' during a static render.");

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) =>
            InvokeAsync<TValue>(identifier, args);
    }
}

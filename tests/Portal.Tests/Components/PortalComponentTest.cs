using System.Globalization;
using Bunit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Token;
using Qtsp.Portal.Infrastructure;

namespace Qtsp.Portal.Tests.Components;

/// <summary>
/// bUnit for the portal's components: the portal's own resources and time formatter, MudBlazor's services, the
/// token-care services (over an in-memory database nobody touches unless a test does) and bUnit's JS runtime, loose so
/// MudBlazor's set-up calls pass; a test that cares what the page asks of JS sets it up and verifies it.
/// Tests run in Czech unless they say otherwise (<see cref="UseCulture"/>), as the portal does.
/// </summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    protected PortalComponentTest()
    {
        UseCulture(Qtsp.Portal.Infrastructure.Localization.Czech);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLocalization();
        Services.AddMudServices();
        Services.AddTransient<MudBlazor.MudLocalizer, PortalMudLocalizer>();
        Services.AddSingleton(TimeProvider.System);
        Services.AddSingleton(Options.Create(new PortalTimeOptions()));
        Services.AddSingleton<PortalTime>();
        Services.AddAgentBridge(new ConfigurationBuilder().Build());
        Services.AddTokenCare();
        Services.AddHttpContextAccessor();
        Services.AddDbContextFactory<PortalDbContext>(options => options.UseSqlite("Data Source=:memory:"));
        Services.AddSingleton<DataAccess>();
        Services.AddScoped<RequestOrigin>();
        Services.AddScoped<AuditTrail>();
        Services.AddScoped<CurrentActor>();
        Services.AddScoped<Features.Certificates.DeviceCertificates>();
        Services.AddScoped<Features.Requests.RequestService>();
        Services.AddSingleton<Infrastructure.Mail.MailOutbox>();
        Services.AddSingleton<Portal.Ca.IRevocationPublisher, Portal.Ca.NoRevocationPublisher>();
        Services.AddScoped<OneTimeCodes>();
        Services.AddScoped<Features.Support.SupportElevation>();
        Services.AddScoped<Features.Revocation.RevocationRecord>();
        Services.AddScoped<Features.Revocation.RevocationService>();
        Services.AddScoped<SessionActivity>();
        Services.AddOptions<SessionOptions>();
        Services.AddSingleton<SignInSessions>();
        Services.AddScoped<AuthenticationStateProvider, AnonymousAuthenticationState>();
    }

    /// <summary>What the request localisation middleware does for a request: the page's language and formats.</summary>
    protected static void UseCulture(CultureInfo culture)
    {
        CultureInfo.CurrentCulture = culture;
        CultureInfo.CurrentUICulture = culture;
    }

    /// <summary>A whole page as a circuit renders it: interactive (its title goes to the browser, not to a head outlet).</summary>
    protected IRenderedComponent<TPage> RenderPage<TPage>()
        where TPage : Microsoft.AspNetCore.Components.IComponent
    {
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        return Render<TPage>();
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    /// <summary>MudBlazor's services can only be disposed asynchronously; xunit calls this before the synchronous Dispose.</summary>
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    private sealed class AnonymousAuthenticationState : AuthenticationStateProvider
    {
        public override Task<AuthenticationState> GetAuthenticationStateAsync() =>
            Task.FromResult(new AuthenticationState(new System.Security.Claims.ClaimsPrincipal()));
    }
}

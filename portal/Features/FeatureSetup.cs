using Microsoft.AspNetCore.Mvc;
using Qtsp.Portal.AgentBridge;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Applicants;
using Qtsp.Portal.Features.Audit;
using Qtsp.Portal.Features.Bindings;
using Qtsp.Portal.Features.Certificates;
using Qtsp.Portal.Features.Devices;
using Qtsp.Portal.Features.Reminders;
using Qtsp.Portal.Features.RenewalCodes;
using Qtsp.Portal.Features.Requests;
using Qtsp.Portal.Features.Statistics;
using Qtsp.Portal.Features.Support;
using Qtsp.Portal.Infrastructure;
using Qtsp.Portal.Infrastructure.Demo;
using Qtsp.Portal.Infrastructure.Jobs;
using Qtsp.Portal.Infrastructure.Mail;

namespace Qtsp.Portal.Features;

/// <summary>The customer-data features' services and endpoints.</summary>
public static class FeatureSetup
{
    public static IServiceCollection AddPortalFeatures(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PortalTimeOptions>().Bind(configuration.GetSection(PortalTimeOptions.Section))
            .Validate(options => TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _), "Portal:TimeZone is not a time zone this system knows.")
            .ValidateOnStart();
        services.AddSingleton<PortalTime>();
        services.Configure<MailOptions>(configuration.GetSection(MailOptions.Section));
        services.Configure<SupportOptions>(configuration.GetSection(SupportOptions.Section));
        services.Configure<DemoOptions>(configuration.GetSection(DemoOptions.Section));
        services.AddScoped<RequestOrigin>();
        services.AddSingleton<DataAccess>();
        services.AddScoped<AuditTrail>();
        services.AddSingleton<MailOutbox>();
        services.AddSingleton<OutboxSender>();
        services.AddHostedService(provider => provider.GetRequiredService<OutboxSender>());
        services.AddScoped<OneTimeCodes>();
        services.AddScoped<SupportElevation>();
        services.AddScoped<Revocation.RevocationService>();
        services.AddScoped<Revocation.PasswordRevocation>();
        services.AddScoped<Revocation.RevocationRecord>();
        services.AddScoped<Revocation.Throttling>();
        services.AddScoped<ApplicantService>();
        services.AddScoped<PendingEmails>();
        services.AddScoped<CertificateService>();
        services.AddScoped<DeviceCertificates>();
        services.AddScoped<BindingService>();
        services.AddScoped<SignedBindingCancellation>();
        services.AddScoped<CertificatesOfRecord>();
        services.AddScoped<SignedDocuments>();
        services.AddScoped<RequestService>();
        services.AddScoped<DeviceRequestSubmission>();
        services.AddScoped<RequestIssuance>();
        services.Configure<DeviceOptions>(configuration.GetSection(DeviceOptions.Section));
        services.AddSingleton<JobLeases>();
        services.AddScoped<DeviceCertificationExpiry>();
        services.AddScoped<DeviceCertificationService>();
        services.AddHostedService<DeviceCertificationExpiryJob>();
        services.AddReminders(configuration);
        services.AddScoped<Registration.IdentityVerification>();
        services.AddScoped<SupportService>();
        services.AddStatistics();
        services.AddRenewalCodes(configuration);
        // Before AddAgentBridge, whose default (always allowed) is only a fallback.
        services.AddScoped<IAgentLinkPolicy, SupportSessionAgentLinkPolicy>();
        return services;
    }

    public static IEndpointRouteBuilder MapFeatureEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // The DER of a certificate the signed-in account may see; anything else is refused (404) and audited.
        endpoints.MapGet("/certificates/{id:long}/download", async (long id, CertificateService certificates) =>
        {
            try
            {
                var (der, fileName) = await certificates.DownloadAsync(id).ConfigureAwait(false);
                return Results.File(der, "application/pkix-cert", fileName);
            }
            catch (AccessRefusedException)
            {
                return Results.NotFound();
            }
        });

        // Ends the current support session: a plain form post, so it works from every page, interactive or not.
        endpoints.MapPost("/support/session/end", async ([FromForm] string? returnUrl, SupportService support) =>
        {
            await support.EndAsync().ConfigureAwait(false);
            return Results.LocalRedirect("/support");
        });
        endpoints.MapRenewalLinks();
        endpoints.MapStatisticsEndpoints();
        return endpoints;
    }
}

using Microsoft.Extensions.Options;
using Qtsp.Portal.Infrastructure.Jobs;

namespace Qtsp.Portal.Features.Reminders;

/// <summary>Runs <see cref="ExpiryReminders"/> on every instance at <see cref="ReminderOptions.CheckInterval"/>; the lease decides who works.</summary>
public sealed class ExpiryReminderJob(IServiceScopeFactory scopes, IOptions<ReminderOptions> options, TimeProvider time, ILogger<ExpiryReminderJob> logger)
    : PeriodicJob<ExpiryReminders>(scopes, time, logger)
{
    protected override string Name => ExpiryReminders.JobName;

    protected override TimeSpan Interval => options.Value.CheckInterval;

    // Nothing is half-done by a failed pass: each mail is one transaction with its records.
    protected override Task RunPassAsync(ExpiryReminders pass, CancellationToken cancellationToken) => pass.RunAsync(cancellationToken);
}

/// <summary>The reminders' services, job and the renewal link's address.</summary>
public static class ReminderSetup
{
    public const string RefusalPath = "/renew-link/";

    public static IServiceCollection AddReminders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReminderOptions>().Bind(configuration.GetSection(ReminderOptions.Section))
            .Validate(options => options.IsValid, "Reminders: DaysBefore must be 1-366 days, LinkLifetime and CheckInterval positive, DigestDays 1-366, PortalUrl absolute.")
            .ValidateOnStart();
        services.AddScoped<RenewalLinks>();
        services.AddScoped<RepresentativeDigests>();
        services.AddScoped<ExpiryReminders>();
        services.AddHostedService<ExpiryReminderJob>();
        return services;
    }

    /// <summary>
    /// The link in a reminder: signed in (the fallback policy sends anyone else to the sign-in page and back here), it is
    /// spent and opens My token with the certificate chosen for renewal; otherwise a page says why it did not.
    /// </summary>
    public static IEndpointRouteBuilder MapRenewalLinks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(RenewalLinks.PathPrefix + "{token}", async (string token, RenewalLinks links) =>
        {
            var outcome = await links.RedeemAsync(token).ConfigureAwait(false);
            return outcome.CertificateId is { } certificateId
                ? Results.LocalRedirect($"/token?renew={certificateId}")
                : Results.LocalRedirect(RefusalPath + outcome.Refusal);
        });
        return endpoints;
    }
}

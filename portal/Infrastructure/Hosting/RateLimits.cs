using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Qtsp.Portal.Infrastructure.Hosting;

public sealed class RateLimitSettings
{
    public const string Section = "RateLimits";

    /// <summary>Posts of one form from one address (an IPv6 /64) within <see cref="Window"/>.</summary>
    public int PerAddress { get; set; } = 10;

    /// <summary>
    /// Posts naming one account (or certificate) within <see cref="Window"/>, from all addresses together. Kept well above
    /// <see cref="PerAddress"/>: one bystander's address alone cannot use up an account's allowance and keep its owner out.
    /// </summary>
    public int PerAccount { get; set; } = 30;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The framework's rate limiter in front of the forms that take a secret. Each form's page names its policy with
/// [EnableRateLimiting]; a policy limits the posts from one address, and a second limiter the posts naming one account,
/// whichever address they come from. Refused posts get 429 with Retry-After and a page in the visitor's language.
/// </summary>
public static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string SecondFactor = "second-factor";
    public const string PasswordChange = "password-change";
    public const string RevocationPassword = "revocation-password";

    private static readonly string[] Policies = [SignIn, SecondFactor, PasswordChange, RevocationPassword];
    private static readonly object AccountKey = new();

    public static IServiceCollection AddRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(RateLimitSettings.Section).Get<RateLimitSettings>() ?? new RateLimitSettings();
        services.AddSingleton<SignInDelays>();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, cancellationToken) => new ValueTask(WriteTooManyRequestsAsync(context.HttpContext, context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : settings.Window));
            foreach (var policy in Policies)
            {
                options.AddPolicy(policy, context => HttpMethods.IsPost(context.Request.Method)
                    ? RateLimitPartition.GetSlidingWindowLimiter($"{policy}|{AddressPartition(context.Connection.RemoteIpAddress)}", _ => Window(settings.PerAddress, settings.Window))
                    : RateLimitPartition.GetNoLimiter(""));
            }

            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.Items[AccountKey] is string account
                    ? RateLimitPartition.GetSlidingWindowLimiter(account, _ => Window(settings.PerAccount, settings.Window))
                    : RateLimitPartition.GetNoLimiter(""));
        });
        return services;
    }

    /// <summary>After authentication (the account of a signed-in or half-signed-in visitor), before antiforgery.</summary>
    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app)
    {
        app.Use(async (context, next) =>
        {
            if (HttpMethods.IsPost(context.Request.Method) && context.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName is { } policy
                && Policies.Contains(policy))
            {
                if (policy == SignIn && context.RequestServices.GetRequiredService<SignInDelays>().RetryAfter(context.Connection.RemoteIpAddress) is { } wait)
                {
                    await WriteTooManyRequestsAsync(context, wait).ConfigureAwait(false);
                    return;
                }

                if (await AccountNamedByAsync(context, policy).ConfigureAwait(false) is { Length: > 0 } account)
                {
                    context.Items[AccountKey] = $"{policy}|{account}";
                }
            }

            await next(context).ConfigureAwait(false);
        });
        return app.UseRateLimiter();
    }

    /// <summary>An IPv4 address, or the /64 an IPv6 address is in (one subscriber's network).</summary>
    public static string AddressPartition(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static SlidingWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        SegmentsPerWindow = 6,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static async Task<string?> AccountNamedByAsync(HttpContext context, string policy)
    {
        switch (policy)
        {
            case SignIn or RevocationPassword when context.Request.HasFormContentType:
                var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
                var named = policy == SignIn
                    ? form["Input.UserName"].ToString().Trim().ToUpperInvariant()
                    : Features.Revocation.PasswordRevocation.Normalize(form["Input.Identifier"].ToString());
                return named is { Length: > 0 and <= 256 } ? named : null;
            case SecondFactor:
                var halfSignedIn = await context.AuthenticateAsync(IdentityConstants.TwoFactorUserIdScheme).ConfigureAwait(false);
                return halfSignedIn.Principal?.FindFirstValue(ClaimTypes.Name);
            case PasswordChange:
                return context.User.FindFirstValue(ClaimTypes.NameIdentifier);
            default:
                return null;
        }
    }

    private static Task WriteTooManyRequestsAsync(HttpContext context, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return PlainPage.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Hosting.TooManyRequests.Title", "Hosting.TooManyRequests.Text", seconds);
    }
}

/// <summary>
/// Progressive delays per address for sign-in: after <see cref="FreeFailures"/> wrong passwords from one address (an IPv6
/// /64) within <see cref="Memory"/>, its next try is taken only after 1, 2, 4 … <see cref="LongestDelay"/> seconds. This
/// slows a guesser down before any account is locked, and it holds back that address only, never the account's owner.
/// Kept in memory per instance, like the framework's limiter.
/// </summary>
public sealed class SignInDelays(TimeProvider time)
{
    public const int FreeFailures = 3;
    public static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan Memory = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Last)> _failures = new(StringComparer.Ordinal);

    public void Failed(IPAddress? address)
    {
        var now = time.GetUtcNow();
        _failures.AddOrUpdate(RateLimits.AddressPartition(address), _ => (1, now),
            (_, seen) => (now - seen.Last > Memory ? 1 : seen.Failures + 1, now));
        if (_failures.Count > 100_000)
        {
            foreach (var (key, seen) in _failures)
            {
                if (now - seen.Last > Memory)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>How long the address must still wait before its next sign-in is taken; null when it need not.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (!_failures.TryGetValue(RateLimits.AddressPartition(address), out var seen) || seen.Failures <= FreeFailures)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (now - seen.Last > Memory)
        {
            return null;
        }

        var delay = TimeSpan.FromSeconds(Math.Min(LongestDelay.TotalSeconds, Math.Pow(2, seen.Failures - FreeFailures - 1)));
        var left = seen.Last + delay - now;
        return left > TimeSpan.Zero ? left : null;
    }
}

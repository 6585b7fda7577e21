using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;

namespace Qtsp.Portal.Tests.Support;

/// <summary>A sign-in account made for a test; <see cref="AuthenticatorKey"/> is set when it has enrolled one.</summary>
public sealed record TestAccount(string UserId, string UserName, string Password, string? AuthenticatorKey);

/// <summary>
/// Test data written straight into the portal's database (organisations, applicants, devices, certificates, accounts)
/// through its own DbContext and Identity's UserManager, and scopes that act as a given account — the service layer then
/// runs exactly as it does behind a page.
/// </summary>
public sealed class TestData(IServiceProvider services)
{
    private static int _sequence;

    public static string Unique(string prefix) => $"{prefix}{Interlocked.Increment(ref _sequence)}x{Guid.NewGuid().ToString("N")[..6]}";

    public async Task<T> DbAsync<T>(Func<PortalDbContext, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    public async Task<Organisation> OrganisationAsync(string? name = null, bool multiYear = true) => await DbAsync(async db =>
    {
        var organisation = new Organisation
        {
            Name = name ?? Unique("Org "),
            CompanyId = RandomNumberGenerator.GetInt32(10_000_000, 99_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ContractNumber = Unique("SML-"),
            MultiYearAllowed = multiYear,
            CreatedAtUtc = DateTime.UtcNow,
        };
        db.Organisations.Add(organisation);
        await db.SaveChangesAsync();
        return organisation;
    });

    public async Task<Applicant> ApplicantAsync(Organisation? organisation, string firstName = "Jana", string? lastName = null, string? employeeNumber = null, bool blocked = false) =>
        await DbAsync(async db =>
        {
            var applicant = new Applicant
            {
                OrganisationId = organisation?.Id,
                FirstName = firstName,
                LastName = lastName ?? Unique("Test"),
                Email = $"{Unique("a")}@example.cz",
                EmployeeNumber = employeeNumber,
                DateOfBirth = new DateOnly(1980, 5, 5),
                IsBlocked = blocked,
                CreatedAtUtc = DateTime.UtcNow,
                UpdatedAtUtc = DateTime.UtcNow,
            };
            applicant.UpdateSearchKeys();
            db.Applicants.Add(applicant);
            await db.SaveChangesAsync();
            return applicant;
        });

    public async Task<SecureDevice> DeviceAsync(Applicant? boundTo, string? serial = null, DateOnly? qscdUntil = null) => await DbAsync(async db =>
    {
        var device = new SecureDevice
        {
            ModelId = "etoken-5110-cc",
            SerialNumber = serial ?? Unique("SN").ToUpperInvariant(),
            QscdCertifiedUntil = qscdUntil ?? DateOnly.FromDateTime(DateTime.UtcNow).AddYears(2),
            Status = DeviceStatus.Active,
            RegisteredAtUtc = DateTime.UtcNow,
        };
        db.SecureDevices.Add(device);
        if (boundTo is not null)
        {
            db.DeviceBindings.Add(new DeviceBinding { Device = device, ApplicantId = boundTo.Id, CreatedAtUtc = DateTime.UtcNow, CreatedBy = "ca" });
        }

        await db.SaveChangesAsync();
        return device;
    });

    public async Task<Certificate> CertificateAsync(Applicant applicant, SecureDevice? device = null, CertificateType type = CertificateType.Qualified) => await DbAsync(async db =>
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={applicant.FirstName} {applicant.LastName}", key, HashAlgorithmName.SHA256);
        using var issued = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var certificate = Certificate.FromIssued(issued, type);
        certificate.DeviceId = device?.Id;
        certificate.ApplicantId = applicant.Id;
        db.Certificates.Add(certificate);
        await db.SaveChangesAsync();
        return certificate;
    });

    /// <summary>An account in <paramref name="role"/>; with <paramref name="enrolled"/>, its authenticator is set up already.</summary>
    public async Task<TestAccount> AccountAsync(string role, Organisation? organisation = null, Applicant? applicant = null, bool enrolled = true, bool elevated = false)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var userName = Unique(role.ToLowerInvariant());
        var password = $"Pw{Guid.NewGuid():N}"[..20] + "A9";
        var user = new PortalUser
        {
            UserName = userName,
            Email = $"{userName}@example.cz",
            DisplayName = $"Test {role} {userName[^6..]}",
            OrganisationId = organisation?.Id,
            ApplicantId = applicant?.Id,
            CreatedAtUtc = DateTime.UtcNow,
        };
        Check(await users.CreateAsync(user, password));
        Check(await users.AddToRoleAsync(user, role));
        if (elevated)
        {
            Check(await users.AddClaimAsync(user, new Claim(PortalClaims.Permission, PortalClaims.SupportDestructive)));
        }

        string? key = null;
        if (enrolled && PortalRoles.RequireSecondFactor.Contains(role))
        {
            Check(await users.ResetAuthenticatorKeyAsync(user));
            key = await users.GetAuthenticatorKeyAsync(user);
            Check(await users.SetTwoFactorEnabledAsync(user, true));
        }

        return new TestAccount(user.Id, userName, password, key);
    }

    // One sign-in (server-side record) per account, as if every scope came from the same browser.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _signIns = new(StringComparer.Ordinal);

    /// <summary>
    /// A scope whose services act as <paramref name="account"/> (signed in with the second factor), as a page's would:
    /// each call for the same account is the same sign-in (one browser), unless <paramref name="signIn"/> names another
    /// (from <see cref="NewSignInAsync"/>).
    /// </summary>
    public async Task<AsyncServiceScope> AsAsync(TestAccount account, string? signIn = null)
    {
        var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var signInManager = scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>();
        var user = await users.FindByIdAsync(account.UserId) ?? throw new InvalidOperationException(account.UserName);
        var principal = await signInManager.CreateUserPrincipalAsync(user);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(PortalClaims.AuthenticationMethods, PortalClaims.MultiFactor));
        signIn ??= await SignInOfAsync(account);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(PortalClaims.SessionId, signIn));
        var authentication = (IHostEnvironmentAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();
        authentication.SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        return scope;
    }

    /// <summary>The session id of the sign-in <see cref="AsAsync(TestAccount, string?)"/> uses for <paramref name="account"/>.</summary>
    public async Task<string> SignInOfAsync(TestAccount account) =>
        _signIns.TryGetValue(account.UserId, out var token) ? token : _signIns.GetOrAdd(account.UserId, await NewSignInAsync(account));

    /// <summary>Another sign-in of <paramref name="account"/> (another browser): pass it to <see cref="AsAsync(TestAccount, string?)"/>.</summary>
    public Task<string> NewSignInAsync(TestAccount account) =>
        services.GetRequiredService<SignInSessions>().StartAsync(account.UserId, "192.0.2.1");

    public async Task<T> AsAsync<TService, T>(TestAccount account, Func<TService, Task<T>> work, string? signIn = null)
        where TService : notnull
    {
        await using var scope = await AsAsync(account, signIn);
        return await work(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public Task<List<AuditEvent>> AuditAsync() => DbAsync(db => db.AuditEvents.AsNoTracking().OrderBy(a => a.Id).ToListAsync());

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Code)));
        }
    }
}

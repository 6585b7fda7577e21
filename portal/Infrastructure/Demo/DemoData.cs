using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Qtsp.Portal.Ca;
using Qtsp.Portal.Data;
using Qtsp.Portal.Features.Account;
using Qtsp.Portal.Features.Requests;

namespace Qtsp.Portal.Infrastructure.Demo;

/// <summary>Section "Demo": demo data for the run command (eng/run.sh), never for a real deployment.</summary>
public sealed class DemoOptions
{
    public const string Section = "Demo";

    public bool Enabled { get; set; }

    /// <summary>The demo device's service-key public key (PEM), written by eng/demo-device.sh.</summary>
    public string? ServiceKeyPath { get; set; }

    /// <summary>The serial number of the demo device (eng/demo-device.sh's default).</summary>
    public string DeviceSerial { get; set; } = "5110CC0000000001";

    /// <summary>The public key (PEM) of the holder's qualified key on the demo device, written by eng/demo-device.sh.</summary>
    public string? HolderPublicKeyPath { get; set; }

    /// <summary>
    /// Where to write the holder's qualified certificate (DER) the embedded CA issues at the first start; the run command
    /// puts it onto the demo device next to its key (CKA_ID <see cref="DemoData.HolderKeyIdHex"/>).
    /// </summary>
    public string? HolderCertificatePath { get; set; }

    /// <summary>The public key (PEM) of the holder's authentication key in the demo device's standard area (eng/demo-device.sh with DEMO_HOLDER_AUTH_KEY=yes).</summary>
    public string? HolderAuthenticationPublicKeyPath { get; set; }

    /// <summary>Where to write the commercial certificate issued for that key; the run command installs it (CKA_ID <see cref="DemoData.HolderAuthenticationKeyIdHex"/>).</summary>
    public string? HolderAuthenticationCertificatePath { get; set; }

    /// <summary>
    /// For the load benchmark (eng/bench.sh): this many more representatives of the demo organisation (zatez001, ...) and
    /// <see cref="DemoData.BenchmarkApplicantsPerRepresentative"/> applicants each, so that simulated users sign in with
    /// accounts of their own and search a list of realistic length. 0 (the default) creates none.
    /// </summary>
    public int BenchmarkRepresentatives { get; set; }
}

/// <summary>The demo accounts created at first start, with their one-time passwords (printed, never stored in plain text).</summary>
public sealed record DemoAccount(string Role, string UserName, string Password, string DisplayName);

/// <summary>
/// Fills an empty database with a demo organisation (a representative and a few applicants), a private holder (Jan Novák,
/// the holder of the demo device), a support user and an RA operator. Passwords are generated at first start and printed
/// once; nothing of it is in the repository.
/// </summary>
public static class DemoData
{
    public const string HolderUserName = "jan.novak";
    public const string RepresentativeUserName = "zastupce";
    public const string SupportUserName = "podpora";
    public const string OperatorUserName = "operator";
    public const string ContractNumber = "SML-2026-000117";

    /// <summary>The CKA_ID eng/demo-device.sh gives the holder's qualified key.</summary>
    public const string HolderKeyIdHex = "01";

    /// <summary>The CKA_ID eng/demo-device.sh gives the holder's authentication key in the standard area.</summary>
    public const string HolderAuthenticationKeyIdHex = "02";

    /// <summary>Creates the demo data when the database has no accounts yet; returns the accounts created (none on later starts).</summary>
    public static async Task<IReadOnlyList<DemoAccount>> SeedAsync(IServiceProvider services, DemoOptions options, TimeProvider time)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        if (await db.Users.AnyAsync().ConfigureAwait(false))
        {
            return [];
        }

        var now = time.GetUtcNow().UtcDateTime;
        var organisation = new Organisation
        {
            Name = "Stavby Morava a.s.",
            CompanyId = "12345679",
            ContractNumber = ContractNumber,
            MultiYearAllowed = true,
            CreatedAtUtc = now,
        };
        db.Organisations.Add(organisation);

        Applicant Person(string first, string last, string email, string? employee, DateOnly born, Organisation? employer) => new()
        {
            Organisation = employer,
            FirstName = first,
            LastName = last,
            Email = email,
            EmployeeNumber = employee,
            DateOfBirth = born,
            MultiYearAllowed = employer is not null,
            CreatedAtUtc = now,
            UpdatedAtUtc = now,
        };

        var employees = new[]
        {
            Person("Petra", "Dvořáková", "petra.dvorakova@stavby-morava.example", "SM-0001", new DateOnly(1979, 3, 14), organisation),
            Person("Tomáš", "Procházka", "tomas.prochazka@stavby-morava.example", "SM-0107", new DateOnly(1985, 11, 2), organisation),
            Person("Lucie", "Černá", "lucie.cerna@stavby-morava.example", "SM-0112", new DateOnly(1990, 6, 30), organisation),
            Person("Martin", "Kučera", "martin.kucera@stavby-morava.example", "SM-0215", new DateOnly(1972, 1, 9), organisation),
            Person("Jana", "Veselá", "jana.vesela@stavby-morava.example", "SM-0230", new DateOnly(1995, 9, 21), organisation),
        };
        var holder = Person("Jan", "Novák", "jan.novak@example.cz", null, new DateOnly(1980, 1, 1), null);
        holder.PersonalIdentifier = "800101/1234";
        foreach (var applicant in employees.Append(holder))
        {
            applicant.UpdateSearchKeys();
            db.Applicants.Add(applicant);
        }

        employees[3].IsBlocked = true;
        employees[3].BlockedAtUtc = now;
        employees[3].BlockedReason = "Pracovní poměr ukončen / employment ended";

        var device = new SecureDevice
        {
            ModelId = "etoken-5110-cc",
            SerialNumber = options.DeviceSerial,
            QscdCertifiedUntil = DateOnly.FromDateTime(now).AddYears(3),
            ServiceKeyPublicKey = ReadServiceKey(options.ServiceKeyPath),
            Status = DeviceStatus.Active,
            RegisteredAtUtc = now,
        };
        var employeeDevice = new SecureDevice
        {
            ModelId = "idprime-md",
            SerialNumber = "IDP9400000000042",
            // Its certification ends within the representative's 90-day warning: the applicants page names it.
            QscdCertifiedUntil = DateOnly.FromDateTime(now).AddDays(60),
            Status = DeviceStatus.Active,
            RegisteredAtUtc = now,
        };
        db.SecureDevices.AddRange(device, employeeDevice);
        db.DeviceBindings.Add(new DeviceBinding { Device = employeeDevice, Applicant = employees[1], CreatedAtUtc = now, CreatedBy = "ca" });

        await db.SaveChangesAsync().ConfigureAwait(false);

        // Every certificate below is issued by the embedded CA and recorded where its key is: the holder's qualified one
        // goes onto the demo device (the run command installs it); the employees' keys are on devices not attached here.
        var ca = scope.ServiceProvider.GetRequiredService<ICertificateAuthority>();
        var demo = new DemoIssuer(ca, db, now);
        if (ReadPublicKey(options.HolderPublicKeyPath) is { } holderKey)
        {
            var certificate = await demo.IssueAsync(holder, null, device, CertificateType.Qualified, holderKey, TimeSpan.FromDays(365), HolderKeyIdHex).ConfigureAwait(false);
            // The first certificate into the device binds it to its holder (without one, the device is as handed out: unbound).
            db.DeviceBindings.Add(new DeviceBinding { Device = device, Applicant = holder, CreatedAtUtc = now, CreatedBy = "ca" });
            db.CertificateRequests.Add(new Data.CertificateRequest
            {
                RequestNumber = RequestNumbers.New(CertificateType.Qualified),
                Type = CertificateType.Qualified,
                Kind = RequestKind.Initial,
                Status = RequestStatus.Issued,
                Applicant = holder,
                Device = device,
                SubjectName = holder.DisplayName,
                Email = holder.Email,
                ValidityMonths = 12,
                KeyIdHex = HolderKeyIdHex,
                CreatedAtUtc = now,
                CreatedBy = HolderUserName,
                SubmittedAtUtc = now,
                DecidedAtUtc = now,
                DecidedBy = OperatorUserName,
                Certificate = certificate,
            });
            if (!string.IsNullOrWhiteSpace(options.HolderCertificatePath))
            {
                await File.WriteAllBytesAsync(options.HolderCertificatePath, certificate.Der).ConfigureAwait(false);
            }
        }

        if (ReadPublicKey(options.HolderAuthenticationPublicKeyPath) is { } authenticationKey)
        {
            var certificate = await demo.IssueAsync(holder, null, device, CertificateType.Commercial, authenticationKey, TimeSpan.FromDays(365), HolderAuthenticationKeyIdHex).ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(options.HolderAuthenticationCertificatePath))
            {
                await File.WriteAllBytesAsync(options.HolderAuthenticationCertificatePath, certificate.Der).ConfigureAwait(false);
            }
        }

        const string idCard = "IDCCZ-";
        await demo.IssueAsync(employees[1], idCard + "204857163", employeeDevice, CertificateType.Qualified, null, TimeSpan.FromDays(270)).ConfigureAwait(false);
        await demo.IssueAsync(employees[1], idCard + "204857163", employeeDevice, CertificateType.Commercial, null, TimeSpan.FromDays(270)).ConfigureAwait(false);
        await demo.IssueAsync(employees[0], null, null, CertificateType.Commercial, null, TimeSpan.FromDays(20)).ConfigureAwait(false);
        var revoked = await demo.IssueAsync(employees[3], idCard + "198330512", null, CertificateType.Qualified, null, TimeSpan.FromDays(180)).ConfigureAwait(false);
        revoked.Status = CertificateStatus.Revoked;
        revoked.RevokedAtUtc = now;
        revoked.RevokedBy = RepresentativeUserName;
        revoked.RevocationReason = RevocationReason.AffiliationChanged;

        db.CertificateRequests.Add(new Data.CertificateRequest
        {
            RequestNumber = RequestNumbers.New(CertificateType.Qualified),
            Type = CertificateType.Qualified,
            Kind = RequestKind.Initial,
            Status = RequestStatus.Prepared,
            Applicant = employees[2],
            SubjectName = "Lucie Černá",
            Email = employees[2].Email,
            ValidityMonths = 24,
            CreatedAtUtc = now,
            CreatedBy = RepresentativeUserName,
        });
        await db.SaveChangesAsync().ConfigureAwait(false);

        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var accounts = new List<DemoAccount>
        {
            await CreateAsync(users, PortalRoles.CompanyRepresentative, RepresentativeUserName, "Petra Dvořáková", employees[0].Email, now, organisation.Id, null).ConfigureAwait(false),
            await CreateAsync(users, PortalRoles.Holder, HolderUserName, holder.DisplayName, holder.Email, now, null, holder.Id).ConfigureAwait(false),
            await CreateAsync(users, PortalRoles.Support, SupportUserName, "Eva Podpůrná", "podpora@qtsp.example", now, null, null).ConfigureAwait(false),
            await CreateAsync(users, PortalRoles.RaOperator, OperatorUserName, "Karel Ověřovatel", "operator@qtsp.example", now, null, null).ConfigureAwait(false),
        };
        var staff = await users.FindByNameAsync(SupportUserName).ConfigureAwait(false);
        await users.AddClaimAsync(staff!, new System.Security.Claims.Claim(PortalClaims.Permission, PortalClaims.SupportDestructive)).ConfigureAwait(false);
        accounts.AddRange(await SeedBenchmarkRepresentativesAsync(db, users, organisation, Math.Clamp(options.BenchmarkRepresentatives, 0, 1000), now).ConfigureAwait(false));
        return accounts;
    }

    public const string BenchmarkRole = "BenchmarkRepresentative";

    public const int BenchmarkApplicantsPerRepresentative = 20;

    // The load benchmark (e2e LoadBenchmark) searches the applicants by these surnames.
    private static readonly string[] BenchmarkSurnames =
    [
        "Horák", "Němec", "Marek", "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš", "Fiala",
        "Sedláček", "Doležal", "Zeman", "Kolář", "Navrátil", "Čermák", "Vaněk", "Urban", "Blažek", "Kříž",
    ];

    private static readonly string[] BenchmarkFirstNames = ["Adam", "Eva", "Jiří", "Hana", "Pavel", "Alena", "Josef", "Věra", "Filip", "Tereza"];

    private static async Task<IReadOnlyList<DemoAccount>> SeedBenchmarkRepresentativesAsync(PortalDbContext db, UserManager<PortalUser> users, Organisation organisation,
        int count, DateTime now)
    {
        var total = count * BenchmarkApplicantsPerRepresentative;
        for (var i = 0; i < total; i++)
        {
            // Every surname from the first representative's twenty applicants on: a search by any of them finds someone.
            var last = BenchmarkSurnames[i % BenchmarkSurnames.Length];
            var first = BenchmarkFirstNames[i / BenchmarkSurnames.Length % BenchmarkFirstNames.Length];
            var applicant = new Applicant
            {
                Organisation = organisation,
                FirstName = first,
                LastName = last,
                Email = FormattableString.Invariant($"zatez.{i + 1:0000}@stavby-morava.example"),
                EmployeeNumber = FormattableString.Invariant($"SM-Z{i + 1:0000}"),
                DateOfBirth = new DateOnly(1960, 1, 1).AddDays(i * 7 % 14000),
                MultiYearAllowed = true,
                CreatedAtUtc = now,
                UpdatedAtUtc = now,
            };
            applicant.UpdateSearchKeys();
            db.Applicants.Add(applicant);
        }

        await db.SaveChangesAsync().ConfigureAwait(false);
        var accounts = new List<DemoAccount>(count);
        for (var i = 1; i <= count; i++)
        {
            var name = FormattableString.Invariant($"zatez{i:000}");
            var account = await CreateAsync(users, PortalRoles.CompanyRepresentative, name, FormattableString.Invariant($"Zátěžový Zástupce {i:000}"),
                name + "@stavby-morava.example", now, organisation.Id, null).ConfigureAwait(false);
            accounts.Add(account with { Role = BenchmarkRole });
        }

        return accounts;
    }

    /// <summary>What the first start prints: sign-in names and the generated passwords.</summary>
    public static string Describe(IReadOnlyList<DemoAccount> accounts)
    {
        var text = new StringBuilder()
            .AppendLine()
            .AppendLine("  Demo accounts (created now; the passwords are shown only this once - keep them):")
            .AppendLine("    role                   sign-in name   password");
        foreach (var account in accounts)
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"    {account.Role,-22} {account.UserName,-14} {account.Password}");
        }

        return text
            .AppendLine("  Representative, support and RA operator enrol an authenticator app (TOTP) at their first sign-in.")
            .ToString();
    }

    private static async Task<DemoAccount> CreateAsync(UserManager<PortalUser> users, string role, string userName, string displayName, string email, DateTime now,
        long? organisationId, long? applicantId)
    {
        var password = GeneratePassword();
        var user = new PortalUser
        {
            UserName = userName,
            Email = email,
            EmailConfirmed = true,
            DisplayName = displayName,
            OrganisationId = organisationId,
            ApplicantId = applicantId,
            CreatedAtUtc = now,
        };
        Check(await users.CreateAsync(user, password).ConfigureAwait(false), userName);
        Check(await users.AddToRoleAsync(user, role).ConfigureAwait(false), userName);
        return new DemoAccount(role, userName, password, displayName);
    }

    private static void Check(IdentityResult result, string userName)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Demo account {userName} could not be created: {string.Join("; ", result.Errors.Select(e => e.Code))}");
        }
    }

    /// <summary>20 characters without look-alikes, with upper case, lower case and digits (the password policy's needs).</summary>
    public static string GeneratePassword()
    {
        const string upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
        const string lower = "abcdefghijkmnopqrstuvwxyz";
        const string digits = "23456789";
        const string all = upper + lower + digits;
        var chars = new char[20];
        chars[0] = upper[RandomNumberGenerator.GetInt32(upper.Length)];
        chars[1] = lower[RandomNumberGenerator.GetInt32(lower.Length)];
        chars[2] = digits[RandomNumberGenerator.GetInt32(digits.Length)];
        for (var i = 3; i < chars.Length; i++)
        {
            chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        }

        RandomNumberGenerator.Shuffle(chars.AsSpan());
        return new string(chars);
    }

    private static byte[]? ReadServiceKey(string? path)
    {
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path);
        var pem = PemEncoding.Find(text);
        return Convert.FromBase64String(text[pem.Base64Data]);
    }

    private static byte[]? ReadPublicKey(string? path) => ReadServiceKey(path);

    /// <summary>Issues demo certificates through the real CA; keys not given are made here and thrown away (their devices are elsewhere).</summary>
    private sealed class DemoIssuer(ICertificateAuthority ca, PortalDbContext db, DateTime now)
    {
        public async Task<Certificate> IssueAsync(Applicant applicant, string? subjectSerialNumber, SecureDevice? device, CertificateType type, byte[]? publicKey,
            TimeSpan validity, string? keyIdHex = null)
        {
            byte[] spki;
            if (publicKey is null)
            {
                using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                spki = key.ExportSubjectPublicKeyInfo();
            }
            else
            {
                spki = publicKey;
            }

            var onDevice = device is not null;
            var qscd = onDevice && device!.ServiceKeyPublicKey is not null && device.QscdCertifiedUntil >= DateOnly.FromDateTime(now);
            var start = new DateTimeOffset(now, TimeSpan.Zero);
            var result = await ca.IssueAsync(new IssuanceRequest(spki, IssuanceSubjects.For(applicant, subjectSerialNumber, applicant.Email),
                type == CertificateType.Commercial ? CertificateProfile.Commercial : CertificateProfile.QualifiedNaturalPerson,
                start, start + validity, new VerifiedKeyFacts(qscd, onDevice, FromPkcs12Import: false))).ConfigureAwait(false);
            if (result is not IssuedCertificate issued)
            {
                throw new InvalidOperationException($"The embedded CA refused a demo certificate: {((IssuanceRefused)result).Reason}.");
            }

            using var parsed = X509CertificateLoader.LoadCertificate(issued.Der);
            var certificate = Certificate.FromIssued(parsed, type);
            certificate.Applicant = applicant;
            certificate.Device = device;
            certificate.KeyIdHex = keyIdHex;
            certificate.AcceptedAtUtc = keyIdHex is null ? null : now;
            certificate.AcceptedBy = keyIdHex is null ? null : HolderUserName;
            db.Certificates.Add(certificate);
            return certificate;
        }
    }
}

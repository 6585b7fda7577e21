using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Qtsp.Portal.Data;

/// <summary>
/// The portal's data. Not sealed only for the one subclass per provider that owns that provider's migrations
/// (<see cref="Migrations.SchemaMigrations"/>); the model is this class's.
/// </summary>
public class PortalDbContext(DbContextOptions<PortalDbContext> options) : IdentityDbContext<PortalUser>(options)
{
    /// <summary>Enums are stored by name: readable in the database and in exports, and safe against reordering.</summary>
    private const int EnumMaxLength = 32;

    /// <summary>
    /// PostgreSQL compares the search keys byte by byte, whatever the database's locale: a prefix is then exactly an index
    /// range (SQLite's default collation already is binary).
    /// </summary>
    public const string BinaryCollation = "C";

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<Organisation> Organisations => Set<Organisation>();

    public DbSet<Applicant> Applicants => Set<Applicant>();

    public DbSet<SecureDevice> SecureDevices => Set<SecureDevice>();

    public DbSet<DeviceBinding> DeviceBindings => Set<DeviceBinding>();

    public DbSet<Certificate> Certificates => Set<Certificate>();

    public DbSet<CertificateRequest> CertificateRequests => Set<CertificateRequest>();

    public DbSet<IdentityCheck> IdentityChecks => Set<IdentityCheck>();

    public DbSet<JobLease> JobLeases => Set<JobLease>();

    public DbSet<Throttle> Throttles => Set<Throttle>();

    public DbSet<CrlState> CrlStates => Set<CrlState>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<SupportSession> SupportSessions => Set<SupportSession>();

    public DbSet<SignInSession> SignInSessions => Set<SignInSession>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<ExpiryReminder> ExpiryReminders => Set<ExpiryReminder>();

    public DbSet<RenewalLink> RenewalLinks => Set<RenewalLink>();

    public DbSet<ExpiryDigest> ExpiryDigests => Set<ExpiryDigest>();

    public DbSet<SpentChallenge> SpentChallenges => Set<SpentChallenge>();

    public DbSet<RenewalCodeBatch> RenewalCodeBatches => Set<RenewalCodeBatch>();

    public DbSet<RenewalCode> RenewalCodes => Set<RenewalCode>();

    public DbSet<RenewalApplication> RenewalApplications => Set<RenewalApplication>();

    public DbSet<CloudKey> CloudKeys => Set<CloudKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        var binaryCollation = Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL" ? BinaryCollation : null;

        builder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("AuditEvents");
            audit.Property(a => a.Actor).HasMaxLength(256);
            audit.Property(a => a.OnBehalfOf).HasMaxLength(256);
            audit.Property(a => a.Action).HasMaxLength(128);
            audit.Property(a => a.Subject).HasMaxLength(256);
            audit.Property(a => a.SourceAddress).HasMaxLength(64);
            audit.HasIndex(a => a.OccurredAtUtc);
            audit.HasIndex(a => new { a.Subject, a.OccurredAtUtc });
            audit.HasIndex(a => new { a.Actor, a.OccurredAtUtc });
            audit.HasIndex(a => a.SupportSessionId);
        });

        builder.Entity<PortalUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(PortalUser.DisplayNameMaxLength);
            user.Property(u => u.SearchName).HasMaxLength(PortalUser.DisplayNameMaxLength).UseCollation(binaryCollation);
            user.HasOne(u => u.Organisation).WithMany().HasForeignKey(u => u.OrganisationId).OnDelete(DeleteBehavior.Restrict);
            user.HasOne(u => u.Applicant).WithMany().HasForeignKey(u => u.ApplicantId).OnDelete(DeleteBehavior.Restrict);
            user.HasIndex(u => u.ApplicantId).IsUnique();
            user.Property(u => u.EntraTenantId).HasMaxLength(Features.Account.EntraSignIn.EntraIdentity.IdLength);
            user.Property(u => u.EntraObjectId).HasMaxLength(Features.Account.EntraSignIn.EntraIdentity.IdLength);
            user.Property(u => u.EntraUserName).HasMaxLength(256);
            // One portal account per Entra identity: a sign-in never has to choose between two.
            user.HasIndex(u => new { u.EntraTenantId, u.EntraObjectId }).IsUnique();
        });

        builder.Entity<Organisation>(organisation =>
        {
            organisation.ToTable("Organisations");
            organisation.Property(o => o.Name).HasMaxLength(200);
            organisation.Property(o => o.CompanyId).HasMaxLength(16);
            organisation.Property(o => o.ContractNumber).HasMaxLength(32);
            organisation.HasIndex(o => o.CompanyId).IsUnique();
            organisation.HasIndex(o => o.ContractNumber).IsUnique();
            organisation.Property(o => o.EntraTenantId).HasMaxLength(Features.Account.EntraSignIn.EntraIdentity.IdLength);
        });

        builder.Entity<Applicant>(applicant =>
        {
            applicant.ToTable("Applicants");
            applicant.Property(a => a.FirstName).HasMaxLength(Applicant.NameMaxLength);
            applicant.Property(a => a.LastName).HasMaxLength(Applicant.NameMaxLength);
            applicant.Property(a => a.Email).HasMaxLength(Applicant.EmailMaxLength);
            applicant.Property(a => a.Phone).HasMaxLength(Applicant.PhoneMaxLength);
            applicant.Property(a => a.PendingEmail).HasMaxLength(Applicant.EmailMaxLength);
            applicant.Property(a => a.EmployeeNumber).HasMaxLength(Applicant.EmployeeNumberMaxLength).UseCollation(binaryCollation);
            applicant.Property(a => a.PersonalIdentifier).HasMaxLength(Applicant.PersonalIdentifierMaxLength);
            applicant.Property(a => a.BlockedReason).HasMaxLength(Applicant.ReasonMaxLength);
            applicant.Property(a => a.SearchName).HasMaxLength(2 * Applicant.NameMaxLength + 1).UseCollation(binaryCollation);
            applicant.Property(a => a.SearchNameReversed).HasMaxLength(2 * Applicant.NameMaxLength + 1).UseCollation(binaryCollation);
            applicant.Property(a => a.Revision).IsConcurrencyToken();
            applicant.Ignore(a => a.DisplayName);
            applicant.HasOne(a => a.Organisation).WithMany().HasForeignKey(a => a.OrganisationId).OnDelete(DeleteBehavior.Restrict);
            applicant.HasIndex(a => new { a.OrganisationId, a.SearchName });
            applicant.HasIndex(a => new { a.OrganisationId, a.SearchNameReversed });
            applicant.HasIndex(a => new { a.OrganisationId, a.EmployeeNumber }).IsUnique();
        });

        builder.Entity<SecureDevice>(device =>
        {
            device.ToTable("SecureDevices");
            device.Property(d => d.ModelId).HasMaxLength(64);
            device.Property(d => d.SerialNumber).HasMaxLength(64).UseCollation(binaryCollation);
            Enum(device.Property(d => d.Status));
            device.HasIndex(d => d.SerialNumber).IsUnique();
        });

        builder.Entity<DeviceBinding>(binding =>
        {
            binding.ToTable("DeviceBindings");
            binding.Property(b => b.CreatedBy).HasMaxLength(256);
            binding.Property(b => b.CancelledBy).HasMaxLength(256);
            binding.Property(b => b.CancellationReason).HasMaxLength(Applicant.ReasonMaxLength);
            binding.Property(b => b.CancellationDocument).HasMaxLength(Qtsp.Shared.Bridge.DocumentSignature.MaxDocumentLength);
            binding.Ignore(b => b.IsActive);
            binding.HasOne(b => b.Device).WithMany().HasForeignKey(b => b.DeviceId).OnDelete(DeleteBehavior.Restrict);
            binding.HasOne(b => b.Applicant).WithMany().HasForeignKey(b => b.ApplicantId).OnDelete(DeleteBehavior.Restrict);
            // One person per device at a time: at most one binding of a device is not cancelled.
            binding.HasIndex(b => b.DeviceId).IsUnique().HasFilter("\"CancelledAtUtc\" IS NULL").HasDatabaseName("IX_DeviceBindings_DeviceId_Active");
            binding.HasIndex(b => new { b.DeviceId, b.CreatedAtUtc });
            binding.HasIndex(b => b.ApplicantId);
        });

        builder.Entity<Certificate>(certificate =>
        {
            certificate.ToTable("Certificates");
            certificate.Property(c => c.SerialNumber).HasMaxLength(64);
            certificate.Property(c => c.Issuer).HasMaxLength(512);
            certificate.Property(c => c.Subject).HasMaxLength(512);
            certificate.Property(c => c.RevokedBy).HasMaxLength(256);
            Enum(certificate.Property(c => c.RevocationReason));
            certificate.Property(c => c.RevocationPasswordHash).HasMaxLength(Certificate.PasswordHashMaxLength);
            certificate.HasIndex(c => new { c.Status, c.RevokedAtUtc });
            // The expiry reminders and the statistics look for valid certificates ending within a window.
            certificate.HasIndex(c => new { c.Status, c.NotAfterUtc });
            Enum(certificate.Property(c => c.Type));
            Enum(certificate.Property(c => c.Status));
            certificate.HasOne(c => c.Device).WithMany().HasForeignKey(c => c.DeviceId).OnDelete(DeleteBehavior.Restrict);
            certificate.HasOne(c => c.Applicant).WithMany().HasForeignKey(c => c.ApplicantId).OnDelete(DeleteBehavior.Restrict);
            certificate.HasIndex(c => new { c.Issuer, c.SerialNumber }).IsUnique();
            certificate.HasIndex(c => new { c.ApplicantId, c.NotAfterUtc });
            certificate.Property(c => c.KeyIdHex).HasMaxLength(CertificateRequest.KeyIdMaxLength);
            certificate.Property(c => c.AcceptedBy).HasMaxLength(256);
            certificate.HasIndex(c => c.DeviceId);
            // Statistics: issued per month.
            certificate.HasIndex(c => c.NotBeforeUtc);
        });

        builder.Entity<CertificateRequest>(request =>
        {
            request.ToTable("CertificateRequests");
            request.Property(r => r.RequestNumber).HasMaxLength(CertificateRequest.RequestNumberLength);
            request.Property(r => r.SubjectName).HasMaxLength(2 * Applicant.NameMaxLength + 1);
            request.Property(r => r.Email).HasMaxLength(Applicant.EmailMaxLength);
            request.Property(r => r.Phone).HasMaxLength(Applicant.PhoneMaxLength);
            request.Property(r => r.CreatedBy).HasMaxLength(256);
            request.Property(r => r.DecidedBy).HasMaxLength(256);
            request.Property(r => r.KeyIdHex).HasMaxLength(CertificateRequest.KeyIdMaxLength);
            request.Property(r => r.SubjectSerialNumber).HasMaxLength(CertificateRequest.SubjectSerialNumberMaxLength);
            request.Property(r => r.RejectionReason).HasMaxLength(Applicant.ReasonMaxLength);
            request.Property(r => r.RevocationPasswordHash).HasMaxLength(Certificate.PasswordHashMaxLength);
            request.HasOne<Certificate>().WithMany().HasForeignKey(r => r.RenewsCertificateId).OnDelete(DeleteBehavior.Restrict);
            request.HasOne<RenewalApplication>().WithMany().HasForeignKey(r => r.RenewalApplicationId).OnDelete(DeleteBehavior.Restrict);
            request.HasIndex(r => r.RenewalApplicationId);
            Enum(request.Property(r => r.Type));
            Enum(request.Property(r => r.Kind));
            Enum(request.Property(r => r.Status));
            request.HasOne(r => r.Applicant).WithMany().HasForeignKey(r => r.ApplicantId).OnDelete(DeleteBehavior.Restrict);
            request.HasOne(r => r.Device).WithMany().HasForeignKey(r => r.DeviceId).OnDelete(DeleteBehavior.Restrict);
            request.HasOne(r => r.Certificate).WithMany().HasForeignKey(r => r.CertificateId).OnDelete(DeleteBehavior.Restrict);
            request.HasIndex(r => r.RequestNumber).IsUnique();
            request.HasIndex(r => new { r.ApplicantId, r.CreatedAtUtc });
            request.HasIndex(r => r.DeviceId);
            request.HasIndex(r => r.CertificateId);
            request.HasIndex(r => r.CreatedAtUtc); // statistics: requests made in a period
        });

        builder.Entity<IdentityCheck>(check =>
        {
            check.ToTable("IdentityChecks");
            Enum(check.Property(c => c.DocumentType));
            check.Property(c => c.DocumentNumber).HasMaxLength(IdentityCheck.DocumentNumberMaxLength);
            check.Property(c => c.IssuingCountry).HasMaxLength(2);
            check.Property(c => c.CheckedBy).HasMaxLength(256);
            check.Property(c => c.Note).HasMaxLength(Applicant.ReasonMaxLength);
            check.HasOne(c => c.Request).WithMany().HasForeignKey(c => c.RequestId).OnDelete(DeleteBehavior.Restrict);
            check.HasIndex(c => c.RequestId);
        });

        builder.Entity<JobLease>(lease =>
        {
            lease.ToTable("JobLeases");
            lease.HasKey(l => l.Name);
            lease.Property(l => l.Name).HasMaxLength(JobLease.NameMaxLength);
            lease.Property(l => l.Holder).HasMaxLength(200);
        });

        builder.Entity<SpentChallenge>(spent =>
        {
            spent.ToTable("SpentChallenges");
            spent.HasKey(c => c.NonceSha256);
            spent.Property(c => c.NonceSha256).HasMaxLength(SpentChallenge.HashLength);
            spent.HasIndex(c => c.ExpiresAtUtc);
        });

        builder.Entity<Throttle>(throttle =>
        {
            throttle.ToTable("Throttles");
            throttle.HasKey(t => t.Key);
            throttle.Property(t => t.Key).HasMaxLength(Throttle.KeyMaxLength);
        });

        builder.Entity<CrlState>(crl =>
        {
            crl.ToTable("CrlStates");
            crl.HasKey(c => c.CaName);
            crl.Property(c => c.CaName).HasMaxLength(CrlState.CaNameMaxLength);
        });

        builder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("OutboxMessages");
            message.Property(m => m.Kind).HasMaxLength(64);
            message.Property(m => m.Recipient).HasMaxLength(Applicant.EmailMaxLength);
            message.Property(m => m.Subject).HasMaxLength(300);
            message.Property(m => m.LastError).HasMaxLength(1000);
            message.HasIndex(m => new { m.SentAtUtc, m.NextAttemptAtUtc });
        });

        builder.Entity<SupportSession>(session =>
        {
            session.ToTable("SupportSessions");
            session.Property(s => s.StaffUserName).HasMaxLength(256);
            session.Property(s => s.CustomerUserName).HasMaxLength(256);
            session.Property(s => s.Reason).HasMaxLength(200);
            session.Property(s => s.SourceAddress).HasMaxLength(64);
            Enum(session.Property(s => s.EndReason));
            session.HasOne<PortalUser>().WithMany().HasForeignKey(s => s.StaffUserId).OnDelete(DeleteBehavior.Restrict);
            session.HasOne<PortalUser>().WithMany().HasForeignKey(s => s.CustomerUserId).OnDelete(DeleteBehavior.Restrict);
            session.HasIndex(s => new { s.StaffUserId, s.EndedAtUtc });
            session.HasIndex(s => new { s.CustomerUserId, s.StartedAtUtc });
            session.HasOne<SignInSession>().WithMany().HasForeignKey(s => s.SignInSessionId).OnDelete(DeleteBehavior.Restrict);
        });

        builder.Entity<SignInSession>(session =>
        {
            session.ToTable("SignInSessions");
            session.Property(s => s.TokenHash).HasMaxLength(64);
            session.Property(s => s.SourceAddress).HasMaxLength(64);
            Enum(session.Property(s => s.EndReason));
            session.HasOne<PortalUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
            session.HasIndex(s => s.TokenHash).IsUnique();
            session.HasIndex(s => new { s.UserId, s.EndedAtUtc });
        });

        builder.Entity<DataProtectionKey>(key =>
        {
            key.ToTable("DataProtectionKeys");
            key.Property(k => k.FriendlyName).HasMaxLength(256);
        });

        builder.Entity<ExpiryReminder>(reminder =>
        {
            reminder.ToTable("ExpiryReminders");
            reminder.HasOne<Certificate>().WithMany().HasForeignKey(r => r.CertificateId).OnDelete(DeleteBehavior.Restrict);
            reminder.HasIndex(r => new { r.CertificateId, r.ThresholdDays }).IsUnique();
        });

        builder.Entity<RenewalLink>(link =>
        {
            link.ToTable("RenewalLinks");
            link.Property(l => l.TokenHash).HasMaxLength(RenewalLink.TokenHashLength);
            link.Property(l => l.UsedBy).HasMaxLength(256);
            link.HasOne<Certificate>().WithMany().HasForeignKey(l => l.CertificateId).OnDelete(DeleteBehavior.Restrict);
            link.HasOne<Applicant>().WithMany().HasForeignKey(l => l.ApplicantId).OnDelete(DeleteBehavior.Restrict);
            link.HasIndex(l => l.TokenHash).IsUnique();
            link.HasIndex(l => l.CertificateId);
            link.HasIndex(l => l.ApplicantId);
        });

        builder.Entity<ExpiryDigest>(digest =>
        {
            digest.ToTable("ExpiryDigests");
            digest.HasOne<PortalUser>().WithMany().HasForeignKey(d => d.RepresentativeUserId).OnDelete(DeleteBehavior.Restrict);
            digest.HasIndex(d => new { d.RepresentativeUserId, d.WeekOf }).IsUnique();
        });

        builder.Entity<RenewalCodeBatch>(batch =>
        {
            batch.ToTable("RenewalCodeBatches");
            batch.Property(b => b.Reference).HasMaxLength(RenewalCodeBatch.ReferenceLength);
            batch.Property(b => b.CreatedBy).HasMaxLength(256);
            Enum(batch.Property(b => b.Product));
            Enum(batch.Property(b => b.Medium));
            batch.HasIndex(b => b.Reference).IsUnique();
            batch.HasIndex(b => b.CreatedAtUtc);
        });

        builder.Entity<RenewalCode>(code =>
        {
            code.ToTable("RenewalCodes");
            code.Property(c => c.CodeHash).HasMaxLength(RenewalCode.HashLength);
            code.Property(c => c.RedeemedBy).HasMaxLength(256);
            code.HasOne(c => c.Batch).WithMany().HasForeignKey(c => c.BatchId).OnDelete(DeleteBehavior.Restrict);
            code.HasOne<Certificate>().WithMany().HasForeignKey(c => c.CertificateId).OnDelete(DeleteBehavior.Restrict);
            code.HasIndex(c => c.CodeHash).IsUnique();
            code.HasIndex(c => c.BatchId);
            code.HasIndex(c => c.CertificateId);
        });

        builder.Entity<RenewalApplication>(application =>
        {
            application.ToTable("RenewalApplications");
            application.Property(a => a.Reference).HasMaxLength(RenewalApplication.ReferenceLength);
            application.Property(a => a.Document).HasMaxLength(Qtsp.Shared.Bridge.DocumentSignature.MaxDocumentLength);
            application.Property(a => a.Email).HasMaxLength(Applicant.EmailMaxLength);
            application.Property(a => a.Phone).HasMaxLength(Applicant.PhoneMaxLength);
            Enum(application.Property(a => a.Medium));
            application.HasOne<RenewalCode>().WithMany().HasForeignKey(a => a.RenewalCodeId).OnDelete(DeleteBehavior.Restrict);
            application.HasOne<Applicant>().WithMany().HasForeignKey(a => a.ApplicantId).OnDelete(DeleteBehavior.Restrict);
            application.HasOne<Certificate>().WithMany().HasForeignKey(a => a.RenewsCertificateId).OnDelete(DeleteBehavior.Restrict);
            application.HasOne<Certificate>().WithMany().HasForeignKey(a => a.CertificateId).OnDelete(DeleteBehavior.Restrict);
            application.HasIndex(a => a.Reference).IsUnique();
            application.HasIndex(a => a.RenewalCodeId);
            application.HasIndex(a => a.ApplicantId);
            application.HasIndex(a => a.RenewsCertificateId);
            application.HasIndex(a => a.CertificateId);
        });

        builder.Entity<CloudKey>(key =>
        {
            key.ToTable("CloudKeys");
            key.Property(k => k.KeyIdHex).HasMaxLength(CloudKey.KeyIdMaxLength);
            key.HasOne<Applicant>().WithMany().HasForeignKey(k => k.ApplicantId).OnDelete(DeleteBehavior.Restrict);
            key.HasOne<Certificate>().WithMany().HasForeignKey(k => k.CertificateId).OnDelete(DeleteBehavior.Restrict);
            key.HasIndex(k => k.KeyIdHex).IsUnique();
            key.HasIndex(k => k.ApplicantId);
            key.HasIndex(k => k.CertificateId);
        });
    }

    private static void Enum<TEnum>(PropertyBuilder<TEnum> property) => property.HasConversion<string>().HasMaxLength(EnumMaxLength);

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every DateTime is UTC in the database; reading one back marks it so.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }
}

internal sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
    value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
    value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

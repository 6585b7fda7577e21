using Microsoft.EntityFrameworkCore;

namespace Qtsp.Portal.Data;

public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options) : DbContext(options)
{
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("AuditEvents");
            audit.Property(a => a.Actor).HasMaxLength(256);
            audit.Property(a => a.OnBehalfOf).HasMaxLength(256);
            audit.Property(a => a.Action).HasMaxLength(128);
            audit.Property(a => a.Subject).HasMaxLength(256);
            audit.Property(a => a.SourceAddress).HasMaxLength(64);
            audit.HasIndex(a => a.OccurredAtUtc);
            audit.HasIndex(a => new { a.Subject, a.OccurredAtUtc });
        });
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Every DateTime is UTC in the database; reading one back marks it so.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }
}

internal sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
    value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
    value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

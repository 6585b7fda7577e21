using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Migrations.Operations.Builders;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Qtsp.Portal.Data.Migrations;

/// <summary>
/// Customer data, accounts and roles (issue 4): organisations, applicants, secure devices, person–device bindings,
/// certificates, certificate requests, the outbox, support sessions, Data Protection keys and the ASP.NET Core Identity
/// tables (schema version 1). Written by hand like <see cref="M0001AuditEvents"/>; the schema tests compare it with the model.
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261123000001_CustomerData")]
public sealed class M0002CustomerData : Migration
{
    private const string Npgsql = "Npgsql.EntityFrameworkCore.PostgreSQL";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        // Search keys and serial numbers compare byte by byte on PostgreSQL (see PortalDbContext.BinaryCollation).
        var binary = migrationBuilder.ActiveProvider == Npgsql ? PortalDbContext.BinaryCollation : null;

        migrationBuilder.AddColumn<long>(name: "SupportSessionId", table: "AuditEvents", nullable: true);
        migrationBuilder.CreateIndex(name: "IX_AuditEvents_Actor_OccurredAtUtc", table: "AuditEvents", columns: ["Actor", "OccurredAtUtc"]);
        migrationBuilder.CreateIndex(name: "IX_AuditEvents_SupportSessionId", table: "AuditEvents", column: "SupportSessionId");

        migrationBuilder.CreateTable(
            name: "Organisations",
            columns: table => new
            {
                Id = LongIdentity(table),
                Name = table.Column<string>(maxLength: 200, nullable: false),
                CompanyId = table.Column<string>(maxLength: 16, nullable: false),
                ContractNumber = table.Column<string>(maxLength: 32, nullable: false),
                MultiYearAllowed = table.Column<bool>(nullable: false),
                CreatedAtUtc = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_Organisations", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_Organisations_CompanyId", table: "Organisations", column: "CompanyId", unique: true);
        migrationBuilder.CreateIndex(name: "IX_Organisations_ContractNumber", table: "Organisations", column: "ContractNumber", unique: true);

        migrationBuilder.CreateTable(
            name: "Applicants",
            columns: table => new
            {
                Id = LongIdentity(table),
                OrganisationId = table.Column<long>(nullable: true),
                FirstName = table.Column<string>(maxLength: 100, nullable: false),
                LastName = table.Column<string>(maxLength: 100, nullable: false),
                Email = table.Column<string>(maxLength: 254, nullable: false),
                Phone = table.Column<string>(maxLength: 32, nullable: true),
                EmployeeNumber = table.Column<string>(maxLength: 32, nullable: true, collation: binary),
                DateOfBirth = table.Column<DateOnly>(nullable: true),
                PersonalIdentifier = table.Column<string>(maxLength: 64, nullable: true),
                IsBlocked = table.Column<bool>(nullable: false),
                BlockedAtUtc = table.Column<DateTime>(nullable: true),
                BlockedReason = table.Column<string>(maxLength: 500, nullable: true),
                MultiYearAllowed = table.Column<bool>(nullable: false),
                SearchName = table.Column<string>(maxLength: 201, nullable: false, collation: binary),
                SearchNameReversed = table.Column<string>(maxLength: 201, nullable: false, collation: binary),
                CreatedAtUtc = table.Column<DateTime>(nullable: false),
                UpdatedAtUtc = table.Column<DateTime>(nullable: false),
                Revision = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Applicants", x => x.Id);
                table.ForeignKey("FK_Applicants_Organisations_OrganisationId", x => x.OrganisationId, "Organisations", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_Applicants_OrganisationId_EmployeeNumber", table: "Applicants", columns: ["OrganisationId", "EmployeeNumber"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_Applicants_OrganisationId_SearchName", table: "Applicants", columns: ["OrganisationId", "SearchName"]);
        migrationBuilder.CreateIndex(name: "IX_Applicants_OrganisationId_SearchNameReversed", table: "Applicants", columns: ["OrganisationId", "SearchNameReversed"]);

        migrationBuilder.CreateTable(
            name: "SecureDevices",
            columns: table => new
            {
                Id = LongIdentity(table),
                ModelId = table.Column<string>(maxLength: 64, nullable: false),
                SerialNumber = table.Column<string>(maxLength: 64, nullable: false, collation: binary),
                QscdCertifiedUntil = table.Column<DateOnly>(nullable: true),
                ServiceKeyPublicKey = table.Column<byte[]>(nullable: true),
                Status = table.Column<string>(maxLength: 32, nullable: false),
                RegisteredAtUtc = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_SecureDevices", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_SecureDevices_SerialNumber", table: "SecureDevices", column: "SerialNumber", unique: true);

        migrationBuilder.CreateTable(
            name: "DeviceBindings",
            columns: table => new
            {
                Id = LongIdentity(table),
                DeviceId = table.Column<long>(nullable: false),
                ApplicantId = table.Column<long>(nullable: false),
                CreatedAtUtc = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<string>(maxLength: 256, nullable: false),
                CancelledAtUtc = table.Column<DateTime>(nullable: true),
                CancelledBy = table.Column<string>(maxLength: 256, nullable: true),
                CancellationReason = table.Column<string>(maxLength: 500, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DeviceBindings", x => x.Id);
                table.ForeignKey("FK_DeviceBindings_Applicants_ApplicantId", x => x.ApplicantId, "Applicants", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_DeviceBindings_SecureDevices_DeviceId", x => x.DeviceId, "SecureDevices", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DeviceBindings_ApplicantId", table: "DeviceBindings", column: "ApplicantId");
        migrationBuilder.CreateIndex(name: "IX_DeviceBindings_DeviceId_Active", table: "DeviceBindings", column: "DeviceId", unique: true, filter: "\"CancelledAtUtc\" IS NULL");
        migrationBuilder.CreateIndex(name: "IX_DeviceBindings_DeviceId_CreatedAtUtc", table: "DeviceBindings", columns: ["DeviceId", "CreatedAtUtc"]);

        migrationBuilder.CreateTable(
            name: "Certificates",
            columns: table => new
            {
                Id = LongIdentity(table),
                SerialNumber = table.Column<string>(maxLength: 64, nullable: false),
                Issuer = table.Column<string>(maxLength: 512, nullable: false),
                Subject = table.Column<string>(maxLength: 512, nullable: false),
                Type = table.Column<string>(maxLength: 32, nullable: false),
                NotBeforeUtc = table.Column<DateTime>(nullable: false),
                NotAfterUtc = table.Column<DateTime>(nullable: false),
                Status = table.Column<string>(maxLength: 32, nullable: false),
                RevokedAtUtc = table.Column<DateTime>(nullable: true),
                RevokedBy = table.Column<string>(maxLength: 256, nullable: true),
                RevocationReason = table.Column<string>(maxLength: 500, nullable: true),
                DeviceId = table.Column<long>(nullable: true),
                ApplicantId = table.Column<long>(nullable: false),
                Der = table.Column<byte[]>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Certificates", x => x.Id);
                table.ForeignKey("FK_Certificates_Applicants_ApplicantId", x => x.ApplicantId, "Applicants", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_Certificates_SecureDevices_DeviceId", x => x.DeviceId, "SecureDevices", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_Certificates_ApplicantId_NotAfterUtc", table: "Certificates", columns: ["ApplicantId", "NotAfterUtc"]);
        migrationBuilder.CreateIndex(name: "IX_Certificates_DeviceId", table: "Certificates", column: "DeviceId");
        migrationBuilder.CreateIndex(name: "IX_Certificates_Issuer_SerialNumber", table: "Certificates", columns: ["Issuer", "SerialNumber"], unique: true);

        migrationBuilder.CreateTable(
            name: "CertificateRequests",
            columns: table => new
            {
                Id = LongIdentity(table),
                RequestNumber = table.Column<string>(maxLength: 12, nullable: false),
                Type = table.Column<string>(maxLength: 32, nullable: false),
                Kind = table.Column<string>(maxLength: 32, nullable: false),
                Status = table.Column<string>(maxLength: 32, nullable: false),
                ApplicantId = table.Column<long>(nullable: false),
                DeviceId = table.Column<long>(nullable: true),
                SubjectName = table.Column<string>(maxLength: 201, nullable: false),
                Email = table.Column<string>(maxLength: 254, nullable: false),
                Phone = table.Column<string>(maxLength: 32, nullable: true),
                ValidityMonths = table.Column<int>(nullable: false),
                Csr = table.Column<byte[]>(nullable: true),
                CreatedAtUtc = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<string>(maxLength: 256, nullable: false),
                SubmittedAtUtc = table.Column<DateTime>(nullable: true),
                DecidedAtUtc = table.Column<DateTime>(nullable: true),
                DecidedBy = table.Column<string>(maxLength: 256, nullable: true),
                CertificateId = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_CertificateRequests", x => x.Id);
                table.ForeignKey("FK_CertificateRequests_Applicants_ApplicantId", x => x.ApplicantId, "Applicants", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_CertificateRequests_Certificates_CertificateId", x => x.CertificateId, "Certificates", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_CertificateRequests_SecureDevices_DeviceId", x => x.DeviceId, "SecureDevices", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_CertificateRequests_ApplicantId_CreatedAtUtc", table: "CertificateRequests", columns: ["ApplicantId", "CreatedAtUtc"]);
        migrationBuilder.CreateIndex(name: "IX_CertificateRequests_CertificateId", table: "CertificateRequests", column: "CertificateId");
        migrationBuilder.CreateIndex(name: "IX_CertificateRequests_DeviceId", table: "CertificateRequests", column: "DeviceId");
        migrationBuilder.CreateIndex(name: "IX_CertificateRequests_RequestNumber", table: "CertificateRequests", column: "RequestNumber", unique: true);

        migrationBuilder.CreateTable(
            name: "OutboxMessages",
            columns: table => new
            {
                Id = LongIdentity(table),
                Kind = table.Column<string>(maxLength: 64, nullable: false),
                Recipient = table.Column<string>(maxLength: 254, nullable: false),
                Subject = table.Column<string>(maxLength: 300, nullable: false),
                Body = table.Column<string>(nullable: false),
                CreatedAtUtc = table.Column<DateTime>(nullable: false),
                Attempts = table.Column<int>(nullable: false),
                NextAttemptAtUtc = table.Column<DateTime>(nullable: false),
                LockedUntilUtc = table.Column<DateTime>(nullable: true),
                SentAtUtc = table.Column<DateTime>(nullable: true),
                LastError = table.Column<string>(maxLength: 1000, nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_OutboxMessages", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_OutboxMessages_SentAtUtc_NextAttemptAtUtc", table: "OutboxMessages", columns: ["SentAtUtc", "NextAttemptAtUtc"]);

        migrationBuilder.CreateTable(
            name: "DataProtectionKeys",
            columns: table => new
            {
                Id = LongIdentity(table),
                FriendlyName = table.Column<string>(maxLength: 256, nullable: true),
                Xml = table.Column<string>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_DataProtectionKeys", x => x.Id));

        CreateIdentityTables(migrationBuilder);

        migrationBuilder.CreateTable(
            name: "SupportSessions",
            columns: table => new
            {
                Id = LongIdentity(table),
                StaffUserId = table.Column<string>(nullable: false),
                StaffUserName = table.Column<string>(maxLength: 256, nullable: false),
                CustomerUserId = table.Column<string>(nullable: false),
                CustomerUserName = table.Column<string>(maxLength: 256, nullable: false),
                Reason = table.Column<string>(maxLength: 200, nullable: false),
                StartedAtUtc = table.Column<DateTime>(nullable: false),
                ExpiresAtUtc = table.Column<DateTime>(nullable: false),
                EndedAtUtc = table.Column<DateTime>(nullable: true),
                EndReason = table.Column<string>(maxLength: 32, nullable: true),
                SourceAddress = table.Column<string>(maxLength: 64, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_SupportSessions", x => x.Id);
                table.ForeignKey("FK_SupportSessions_AspNetUsers_CustomerUserId", x => x.CustomerUserId, "AspNetUsers", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_SupportSessions_AspNetUsers_StaffUserId", x => x.StaffUserId, "AspNetUsers", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_SupportSessions_CustomerUserId_StartedAtUtc", table: "SupportSessions", columns: ["CustomerUserId", "StartedAtUtc"]);
        migrationBuilder.CreateIndex(name: "IX_SupportSessions_StaffUserId_EndedAtUtc", table: "SupportSessions", columns: ["StaffUserId", "EndedAtUtc"]);
    }

    /// <summary>The ASP.NET Core Identity store (IdentityDbContext, schema version 1) with the portal's user columns.</summary>
    private static void CreateIdentityTables(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "AspNetRoles",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                Name = table.Column<string>(maxLength: 256, nullable: true),
                NormalizedName = table.Column<string>(maxLength: 256, nullable: true),
                ConcurrencyStamp = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_AspNetRoles", x => x.Id));
        migrationBuilder.CreateIndex(name: "RoleNameIndex", table: "AspNetRoles", column: "NormalizedName", unique: true);

        migrationBuilder.CreateTable(
            name: "AspNetRoleClaims",
            columns: table => new
            {
                Id = IntIdentity(table),
                RoleId = table.Column<string>(nullable: false),
                ClaimType = table.Column<string>(nullable: true),
                ClaimValue = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetRoleClaims", x => x.Id);
                table.ForeignKey("FK_AspNetRoleClaims_AspNetRoles_RoleId", x => x.RoleId, "AspNetRoles", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_AspNetRoleClaims_RoleId", table: "AspNetRoleClaims", column: "RoleId");

        migrationBuilder.CreateTable(
            name: "AspNetUsers",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                DisplayName = table.Column<string>(maxLength: 200, nullable: false),
                OrganisationId = table.Column<long>(nullable: true),
                ApplicantId = table.Column<long>(nullable: true),
                CreatedAtUtc = table.Column<DateTime>(nullable: false),
                UserName = table.Column<string>(maxLength: 256, nullable: true),
                NormalizedUserName = table.Column<string>(maxLength: 256, nullable: true),
                Email = table.Column<string>(maxLength: 256, nullable: true),
                NormalizedEmail = table.Column<string>(maxLength: 256, nullable: true),
                EmailConfirmed = table.Column<bool>(nullable: false),
                PasswordHash = table.Column<string>(nullable: true),
                SecurityStamp = table.Column<string>(nullable: true),
                ConcurrencyStamp = table.Column<string>(nullable: true),
                PhoneNumber = table.Column<string>(nullable: true),
                PhoneNumberConfirmed = table.Column<bool>(nullable: false),
                TwoFactorEnabled = table.Column<bool>(nullable: false),
                LockoutEnd = table.Column<DateTimeOffset>(nullable: true),
                LockoutEnabled = table.Column<bool>(nullable: false),
                AccessFailedCount = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUsers", x => x.Id);
                table.ForeignKey("FK_AspNetUsers_Applicants_ApplicantId", x => x.ApplicantId, "Applicants", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_AspNetUsers_Organisations_OrganisationId", x => x.OrganisationId, "Organisations", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "EmailIndex", table: "AspNetUsers", column: "NormalizedEmail");
        migrationBuilder.CreateIndex(name: "UserNameIndex", table: "AspNetUsers", column: "NormalizedUserName", unique: true);
        migrationBuilder.CreateIndex(name: "IX_AspNetUsers_ApplicantId", table: "AspNetUsers", column: "ApplicantId", unique: true);
        migrationBuilder.CreateIndex(name: "IX_AspNetUsers_OrganisationId", table: "AspNetUsers", column: "OrganisationId");

        migrationBuilder.CreateTable(
            name: "AspNetUserClaims",
            columns: table => new
            {
                Id = IntIdentity(table),
                UserId = table.Column<string>(nullable: false),
                ClaimType = table.Column<string>(nullable: true),
                ClaimValue = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUserClaims", x => x.Id);
                table.ForeignKey("FK_AspNetUserClaims_AspNetUsers_UserId", x => x.UserId, "AspNetUsers", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_AspNetUserClaims_UserId", table: "AspNetUserClaims", column: "UserId");

        migrationBuilder.CreateTable(
            name: "AspNetUserLogins",
            columns: table => new
            {
                LoginProvider = table.Column<string>(nullable: false),
                ProviderKey = table.Column<string>(nullable: false),
                ProviderDisplayName = table.Column<string>(nullable: true),
                UserId = table.Column<string>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUserLogins", x => new { x.LoginProvider, x.ProviderKey });
                table.ForeignKey("FK_AspNetUserLogins_AspNetUsers_UserId", x => x.UserId, "AspNetUsers", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_AspNetUserLogins_UserId", table: "AspNetUserLogins", column: "UserId");

        migrationBuilder.CreateTable(
            name: "AspNetUserRoles",
            columns: table => new
            {
                UserId = table.Column<string>(nullable: false),
                RoleId = table.Column<string>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUserRoles", x => new { x.UserId, x.RoleId });
                table.ForeignKey("FK_AspNetUserRoles_AspNetRoles_RoleId", x => x.RoleId, "AspNetRoles", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_AspNetUserRoles_AspNetUsers_UserId", x => x.UserId, "AspNetUsers", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_AspNetUserRoles_RoleId", table: "AspNetUserRoles", column: "RoleId");

        migrationBuilder.CreateTable(
            name: "AspNetUserTokens",
            columns: table => new
            {
                UserId = table.Column<string>(nullable: false),
                LoginProvider = table.Column<string>(nullable: false),
                Name = table.Column<string>(nullable: false),
                Value = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AspNetUserTokens", x => new { x.UserId, x.LoginProvider, x.Name });
                table.ForeignKey("FK_AspNetUserTokens_AspNetUsers_UserId", x => x.UserId, "AspNetUsers", "Id", onDelete: ReferentialAction.Cascade);
            });
    }

    private static OperationBuilder<AddColumnOperation> LongIdentity(ColumnsBuilder table) =>
        table.Column<long>(nullable: false)
            .Annotation("Sqlite:Autoincrement", true)
            .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

    private static OperationBuilder<AddColumnOperation> IntIdentity(ColumnsBuilder table) =>
        table.Column<int>(nullable: false)
            .Annotation("Sqlite:Autoincrement", true)
            .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[]
        {
            "SupportSessions", "AspNetUserTokens", "AspNetUserRoles", "AspNetUserLogins", "AspNetUserClaims", "AspNetUsers",
            "AspNetRoleClaims", "AspNetRoles", "DataProtectionKeys", "OutboxMessages", "CertificateRequests", "Certificates",
            "DeviceBindings", "SecureDevices", "Applicants", "Organisations",
        })
        {
            migrationBuilder.DropTable(name: table);
        }

        migrationBuilder.DropIndex(name: "IX_AuditEvents_SupportSessionId", table: "AuditEvents");
        migrationBuilder.DropIndex(name: "IX_AuditEvents_Actor_OccurredAtUtc", table: "AuditEvents");
        if (migrationBuilder.ActiveProvider == "Microsoft.EntityFrameworkCore.Sqlite")
        {
            // EF refuses DropColumn on SQLite (it would rebuild the table); SQLite itself drops a plain column since 3.35.
            migrationBuilder.Sql("ALTER TABLE \"AuditEvents\" DROP COLUMN \"SupportSessionId\";");
        }
        else
        {
            migrationBuilder.DropColumn(name: "SupportSessionId", table: "AuditEvents");
        }
    }
}

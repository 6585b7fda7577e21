using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class ExpiryReminders : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ExpiryDigests",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RepresentativeUserId = table.Column<string>(type: "text", nullable: false),
                    WeekOf = table.Column<DateOnly>(type: "date", nullable: false),
                    Certificates = table.Column<int>(type: "integer", nullable: false),
                    SentAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExpiryDigests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ExpiryDigests_AspNetUsers_RepresentativeUserId",
                        column: x => x.RepresentativeUserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "ExpiryReminders",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    CertificateId = table.Column<long>(type: "bigint", nullable: false),
                    ThresholdDays = table.Column<int>(type: "integer", nullable: false),
                    SentAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ExpiryReminders", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ExpiryReminders_Certificates_CertificateId",
                        column: x => x.CertificateId,
                        principalTable: "Certificates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RenewalLinks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TokenHash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    CertificateId = table.Column<long>(type: "bigint", nullable: false),
                    ApplicantId = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ExpiresAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UsedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    UsedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RenewalLinks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RenewalLinks_Applicants_ApplicantId",
                        column: x => x.ApplicantId,
                        principalTable: "Applicants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_RenewalLinks_Certificates_CertificateId",
                        column: x => x.CertificateId,
                        principalTable: "Certificates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Certificates_Status_NotAfterUtc",
                table: "Certificates",
                columns: new[] { "Status", "NotAfterUtc" });

            migrationBuilder.CreateIndex(
                name: "IX_ExpiryDigests_RepresentativeUserId_WeekOf",
                table: "ExpiryDigests",
                columns: new[] { "RepresentativeUserId", "WeekOf" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ExpiryReminders_CertificateId_ThresholdDays",
                table: "ExpiryReminders",
                columns: new[] { "CertificateId", "ThresholdDays" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RenewalLinks_ApplicantId",
                table: "RenewalLinks",
                column: "ApplicantId");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalLinks_CertificateId",
                table: "RenewalLinks",
                column: "CertificateId");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalLinks_TokenHash",
                table: "RenewalLinks",
                column: "TokenHash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ExpiryDigests");

            migrationBuilder.DropTable(
                name: "ExpiryReminders");

            migrationBuilder.DropTable(
                name: "RenewalLinks");

            migrationBuilder.DropIndex(
                name: "IX_Certificates_Status_NotAfterUtc",
                table: "Certificates");
        }
    }
}

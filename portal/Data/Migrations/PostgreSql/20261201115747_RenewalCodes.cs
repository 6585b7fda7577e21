using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class RenewalCodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "RenewalApplicationId",
                table: "CertificateRequests",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CloudKeys",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ApplicantId = table.Column<long>(type: "bigint", nullable: false),
                    KeyIdHex = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    CertificateId = table.Column<long>(type: "bigint", nullable: true),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CloudKeys", x => x.Id);
                    table.ForeignKey(
                        name: "FK_CloudKeys_Applicants_ApplicantId",
                        column: x => x.ApplicantId,
                        principalTable: "Applicants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_CloudKeys_Certificates_CertificateId",
                        column: x => x.CertificateId,
                        principalTable: "Certificates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RenewalCodeBatches",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Reference = table.Column<string>(type: "character varying(19)", maxLength: 19, nullable: false),
                    Product = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    TermMonths = table.Column<int>(type: "integer", nullable: false),
                    Medium = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Count = table.Column<int>(type: "integer", nullable: false),
                    ExpiresAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RenewalCodeBatches", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RenewalCodes",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    BatchId = table.Column<long>(type: "bigint", nullable: false),
                    CodeHash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    RedeemedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    RedeemedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    ApplicationId = table.Column<long>(type: "bigint", nullable: true),
                    CertificateId = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RenewalCodes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RenewalCodes_Certificates_CertificateId",
                        column: x => x.CertificateId,
                        principalTable: "Certificates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_RenewalCodes_RenewalCodeBatches_BatchId",
                        column: x => x.BatchId,
                        principalTable: "RenewalCodeBatches",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "RenewalApplications",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Reference = table.Column<string>(type: "character varying(19)", maxLength: 19, nullable: false),
                    RenewalCodeId = table.Column<long>(type: "bigint", nullable: false),
                    ApplicantId = table.Column<long>(type: "bigint", nullable: false),
                    RenewsCertificateId = table.Column<long>(type: "bigint", nullable: false),
                    TermMonths = table.Column<int>(type: "integer", nullable: false),
                    Medium = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    NotBeforeUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StartsAfterCurrent = table.Column<bool>(type: "boolean", nullable: false),
                    Document = table.Column<string>(type: "character varying(65536)", maxLength: 65536, nullable: false),
                    Signature = table.Column<byte[]>(type: "bytea", nullable: false),
                    SignedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: true),
                    Phone = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    CertificateId = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RenewalApplications", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RenewalApplications_Applicants_ApplicantId",
                        column: x => x.ApplicantId,
                        principalTable: "Applicants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_RenewalApplications_Certificates_CertificateId",
                        column: x => x.CertificateId,
                        principalTable: "Certificates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_RenewalApplications_Certificates_RenewsCertificateId",
                        column: x => x.RenewsCertificateId,
                        principalTable: "Certificates",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_RenewalApplications_RenewalCodes_RenewalCodeId",
                        column: x => x.RenewalCodeId,
                        principalTable: "RenewalCodes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CertificateRequests_RenewalApplicationId",
                table: "CertificateRequests",
                column: "RenewalApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_CloudKeys_ApplicantId",
                table: "CloudKeys",
                column: "ApplicantId");

            migrationBuilder.CreateIndex(
                name: "IX_CloudKeys_CertificateId",
                table: "CloudKeys",
                column: "CertificateId");

            migrationBuilder.CreateIndex(
                name: "IX_CloudKeys_KeyIdHex",
                table: "CloudKeys",
                column: "KeyIdHex",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RenewalApplications_ApplicantId",
                table: "RenewalApplications",
                column: "ApplicantId");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalApplications_CertificateId",
                table: "RenewalApplications",
                column: "CertificateId");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalApplications_Reference",
                table: "RenewalApplications",
                column: "Reference",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RenewalApplications_RenewalCodeId",
                table: "RenewalApplications",
                column: "RenewalCodeId");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalApplications_RenewsCertificateId",
                table: "RenewalApplications",
                column: "RenewsCertificateId");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalCodeBatches_CreatedAtUtc",
                table: "RenewalCodeBatches",
                column: "CreatedAtUtc");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalCodeBatches_Reference",
                table: "RenewalCodeBatches",
                column: "Reference",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RenewalCodes_BatchId",
                table: "RenewalCodes",
                column: "BatchId");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalCodes_CertificateId",
                table: "RenewalCodes",
                column: "CertificateId");

            migrationBuilder.CreateIndex(
                name: "IX_RenewalCodes_CodeHash",
                table: "RenewalCodes",
                column: "CodeHash",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "FK_CertificateRequests_RenewalApplications_RenewalApplicationId",
                table: "CertificateRequests",
                column: "RenewalApplicationId",
                principalTable: "RenewalApplications",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_CertificateRequests_RenewalApplications_RenewalApplicationId",
                table: "CertificateRequests");

            migrationBuilder.DropTable(
                name: "CloudKeys");

            migrationBuilder.DropTable(
                name: "RenewalApplications");

            migrationBuilder.DropTable(
                name: "RenewalCodes");

            migrationBuilder.DropTable(
                name: "RenewalCodeBatches");

            migrationBuilder.DropIndex(
                name: "IX_CertificateRequests_RenewalApplicationId",
                table: "CertificateRequests");

            migrationBuilder.DropColumn(
                name: "RenewalApplicationId",
                table: "CertificateRequests");
        }
    }
}

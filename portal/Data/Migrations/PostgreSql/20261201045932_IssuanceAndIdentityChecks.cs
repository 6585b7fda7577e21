using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class IssuanceAndIdentityChecks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "AcceptedAtUtc",
                table: "Certificates",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AcceptedBy",
                table: "Certificates",
                type: "character varying(256)",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "KeyIdHex",
                table: "Certificates",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RejectionReason",
                table: "CertificateRequests",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RenewsCertificateId",
                table: "CertificateRequests",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SubjectSerialNumber",
                table: "CertificateRequests",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "IdentityChecks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RequestId = table.Column<long>(type: "bigint", nullable: false),
                    DocumentType = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    DocumentNumber = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    IssuingCountry = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    ValidUntil = table.Column<DateOnly>(type: "date", nullable: false),
                    PhotoMatches = table.Column<bool>(type: "boolean", nullable: false),
                    DocumentGenuine = table.Column<bool>(type: "boolean", nullable: false),
                    DataMatch = table.Column<bool>(type: "boolean", nullable: false),
                    Note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    CheckedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    CheckedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IdentityChecks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_IdentityChecks_CertificateRequests_RequestId",
                        column: x => x.RequestId,
                        principalTable: "CertificateRequests",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CertificateRequests_RenewsCertificateId",
                table: "CertificateRequests",
                column: "RenewsCertificateId");

            migrationBuilder.CreateIndex(
                name: "IX_IdentityChecks_RequestId",
                table: "IdentityChecks",
                column: "RequestId");

            migrationBuilder.AddForeignKey(
                name: "FK_CertificateRequests_Certificates_RenewsCertificateId",
                table: "CertificateRequests",
                column: "RenewsCertificateId",
                principalTable: "Certificates",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_CertificateRequests_Certificates_RenewsCertificateId",
                table: "CertificateRequests");

            migrationBuilder.DropTable(
                name: "IdentityChecks");

            migrationBuilder.DropIndex(
                name: "IX_CertificateRequests_RenewsCertificateId",
                table: "CertificateRequests");

            migrationBuilder.DropColumn(
                name: "AcceptedAtUtc",
                table: "Certificates");

            migrationBuilder.DropColumn(
                name: "AcceptedBy",
                table: "Certificates");

            migrationBuilder.DropColumn(
                name: "KeyIdHex",
                table: "Certificates");

            migrationBuilder.DropColumn(
                name: "RejectionReason",
                table: "CertificateRequests");

            migrationBuilder.DropColumn(
                name: "RenewsCertificateId",
                table: "CertificateRequests");

            migrationBuilder.DropColumn(
                name: "SubjectSerialNumber",
                table: "CertificateRequests");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.Sqlite
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "AcceptedBy",
                table: "Certificates",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "KeyIdHex",
                table: "Certificates",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RejectionReason",
                table: "CertificateRequests",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "RenewsCertificateId",
                table: "CertificateRequests",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SubjectSerialNumber",
                table: "CertificateRequests",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "IdentityChecks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RequestId = table.Column<long>(type: "INTEGER", nullable: false),
                    DocumentType = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    DocumentNumber = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    IssuingCountry = table.Column<string>(type: "TEXT", maxLength: 2, nullable: false),
                    ValidUntil = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    PhotoMatches = table.Column<bool>(type: "INTEGER", nullable: false),
                    DocumentGenuine = table.Column<bool>(type: "INTEGER", nullable: false),
                    DataMatch = table.Column<bool>(type: "INTEGER", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    CheckedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CheckedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
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

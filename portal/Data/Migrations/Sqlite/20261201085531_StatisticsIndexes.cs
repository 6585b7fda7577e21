using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class StatisticsIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Certificates_NotBeforeUtc",
                table: "Certificates",
                column: "NotBeforeUtc");

            migrationBuilder.CreateIndex(
                name: "IX_CertificateRequests_CreatedAtUtc",
                table: "CertificateRequests",
                column: "CreatedAtUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Certificates_NotBeforeUtc",
                table: "Certificates");

            migrationBuilder.DropIndex(
                name: "IX_CertificateRequests_CreatedAtUtc",
                table: "CertificateRequests");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RequestKeyId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "KeyIdHex",
                table: "CertificateRequests",
                type: "TEXT",
                maxLength: 128,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "KeyIdHex",
                table: "CertificateRequests");
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class SignedBindingCancellation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CancellationDocument",
                table: "DeviceBindings",
                type: "character varying(65536)",
                maxLength: 65536,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "CancellationSignature",
                table: "DeviceBindings",
                type: "bytea",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CancellationDocument",
                table: "DeviceBindings");

            migrationBuilder.DropColumn(
                name: "CancellationSignature",
                table: "DeviceBindings");
        }
    }
}

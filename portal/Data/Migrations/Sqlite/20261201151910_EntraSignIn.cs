using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EntraSignIn : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "EntraTenantId",
                table: "Organisations",
                type: "TEXT",
                maxLength: 36,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EntraObjectId",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 36,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EntraTenantId",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 36,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "EntraUserName",
                table: "AspNetUsers",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_EntraTenantId_EntraObjectId",
                table: "AspNetUsers",
                columns: new[] { "EntraTenantId", "EntraObjectId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_EntraTenantId_EntraObjectId",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "EntraTenantId",
                table: "Organisations");

            migrationBuilder.DropColumn(
                name: "EntraObjectId",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "EntraTenantId",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "EntraUserName",
                table: "AspNetUsers");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Qtsp.Portal.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class SignInSessions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "SignInSessionId",
                table: "SupportSessions",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "EmailEnteredInSupportSessionId",
                table: "Applicants",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PendingEmail",
                table: "Applicants",
                type: "character varying(254)",
                maxLength: 254,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PendingEmailSupportSessionId",
                table: "Applicants",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "SignInSessions",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    TokenHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    StartedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSeenAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    EndedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    EndReason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    SourceAddress = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SignInSessions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SignInSessions_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SupportSessions_SignInSessionId",
                table: "SupportSessions",
                column: "SignInSessionId");

            migrationBuilder.CreateIndex(
                name: "IX_SignInSessions_TokenHash",
                table: "SignInSessions",
                column: "TokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SignInSessions_UserId_EndedAtUtc",
                table: "SignInSessions",
                columns: new[] { "UserId", "EndedAtUtc" });

            migrationBuilder.AddForeignKey(
                name: "FK_SupportSessions_SignInSessions_SignInSessionId",
                table: "SupportSessions",
                column: "SignInSessionId",
                principalTable: "SignInSessions",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_SupportSessions_SignInSessions_SignInSessionId",
                table: "SupportSessions");

            migrationBuilder.DropTable(
                name: "SignInSessions");

            migrationBuilder.DropIndex(
                name: "IX_SupportSessions_SignInSessionId",
                table: "SupportSessions");

            migrationBuilder.DropColumn(
                name: "SignInSessionId",
                table: "SupportSessions");

            migrationBuilder.DropColumn(
                name: "EmailEnteredInSupportSessionId",
                table: "Applicants");

            migrationBuilder.DropColumn(
                name: "PendingEmail",
                table: "Applicants");

            migrationBuilder.DropColumn(
                name: "PendingEmailSupportSessionId",
                table: "Applicants");
        }
    }
}

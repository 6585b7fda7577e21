using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Qtsp.Portal.Data.Migrations;

/// <summary>
/// Hand-written migration (no EF design-time tooling here). Column types are left to the provider's
/// mapping of the CLR type, so one migration serves SQLite and PostgreSQL; identity columns carry both
/// providers' annotations (each ignores the other's).
/// </summary>
[DbContext(typeof(PortalDbContext))]
[Migration("20261122000001_AuditEvents")]
public sealed class M0001AuditEvents : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "AuditEvents",
            columns: table => new
            {
                Id = table.Column<long>(nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                OccurredAtUtc = table.Column<DateTime>(nullable: false),
                Actor = table.Column<string>(maxLength: 256, nullable: false),
                OnBehalfOf = table.Column<string>(maxLength: 256, nullable: true),
                Action = table.Column<string>(maxLength: 128, nullable: false),
                Subject = table.Column<string>(maxLength: 256, nullable: true),
                SourceAddress = table.Column<string>(maxLength: 64, nullable: true),
                Details = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_AuditEvents", x => x.Id));

        migrationBuilder.CreateIndex(name: "IX_AuditEvents_OccurredAtUtc", table: "AuditEvents", column: "OccurredAtUtc");
        migrationBuilder.CreateIndex(name: "IX_AuditEvents_Subject_OccurredAtUtc", table: "AuditEvents", columns: ["Subject", "OccurredAtUtc"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "AuditEvents");
}

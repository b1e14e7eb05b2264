using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace SegmentService.Api.Storage.Migrations
{
    /// <inheritdoc />
    public partial class Policy : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "feedback",
                columns: table => new
                {
                    seq = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    recommendation_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    item_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    type = table.Column<short>(type: "smallint", nullable: false),
                    user_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    segment_key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    reward = table.Column<double>(type: "double precision", nullable: false),
                    initial_q = table.Column<double>(type: "double precision", nullable: false),
                    target = table.Column<double>(type: "double precision", nullable: false),
                    learning_rate = table.Column<double>(type: "double precision", nullable: false),
                    next_segment_key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    amount = table.Column<decimal>(type: "numeric(19,4)", precision: 19, scale: 4, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_feedback", x => x.seq);
                });

            migrationBuilder.CreateTable(
                name: "impressions",
                columns: table => new
                {
                    recommendation_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    user_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    segment_key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    run_id = table.Column<long>(type: "bigint", nullable: true),
                    policy_version = table.Column<long>(type: "bigint", nullable: false),
                    category = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    item_ids = table.Column<string[]>(type: "text[]", nullable: false),
                    scores = table.Column<double[]>(type: "double precision[]", nullable: false),
                    propensities = table.Column<double[]>(type: "double precision[]", nullable: false),
                    explored = table.Column<bool[]>(type: "boolean[]", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    settled = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_impressions", x => x.recommendation_id);
                });

            migrationBuilder.CreateTable(
                name: "policy_snapshots",
                columns: table => new
                {
                    version = table.Column<long>(type: "bigint", nullable: false),
                    taken_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    segments = table.Column<int>(type: "integer", nullable: false),
                    body = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_policy_snapshots", x => x.version);
                });

            migrationBuilder.CreateIndex(
                name: "ix_feedback_recommendation_id_item_id_type",
                table: "feedback",
                columns: new[] { "recommendation_id", "item_id", "type" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_impressions_unsettled",
                table: "impressions",
                column: "created_at",
                filter: "NOT settled");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "feedback");

            migrationBuilder.DropTable(
                name: "impressions");

            migrationBuilder.DropTable(
                name: "policy_snapshots");
        }
    }
}

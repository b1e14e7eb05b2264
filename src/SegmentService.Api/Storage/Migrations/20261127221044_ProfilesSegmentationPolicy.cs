using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace SegmentService.Api.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ProfilesSegmentationPolicy : Migration
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

            migrationBuilder.CreateTable(
                name: "segment_assignments",
                columns: table => new
                {
                    run_id = table.Column<long>(type: "bigint", nullable: false),
                    user_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    segment_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    distance = table.Column<float>(type: "real", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_segment_assignments", x => new { x.run_id, x.user_id });
                });

            migrationBuilder.CreateTable(
                name: "segmentation_runs",
                columns: table => new
                {
                    run_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    trigger = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    previous_run_id = table.Column<long>(type: "bigint", nullable: true),
                    k = table.Column<int>(type: "integer", nullable: true),
                    users = table.Column<int>(type: "integer", nullable: true),
                    features = table.Column<string>(type: "jsonb", nullable: true),
                    metrics = table.Column<string>(type: "jsonb", nullable: true),
                    transitions = table.Column<string>(type: "jsonb", nullable: true),
                    model = table.Column<byte[]>(type: "bytea", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_segmentation_runs", x => x.run_id);
                });

            migrationBuilder.CreateTable(
                name: "user_profiles",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    first_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_seen = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ref_time = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    views = table.Column<long>(type: "bigint", nullable: false),
                    clicks = table.Column<long>(type: "bigint", nullable: false),
                    carts = table.Column<long>(type: "bigint", nullable: false),
                    purchases = table.Column<long>(type: "bigint", nullable: false),
                    units = table.Column<long>(type: "bigint", nullable: false),
                    spend = table.Column<double>(type: "double precision", nullable: false),
                    d_views = table.Column<double>(type: "double precision", nullable: false),
                    d_clicks = table.Column<double>(type: "double precision", nullable: false),
                    d_carts = table.Column<double>(type: "double precision", nullable: false),
                    d_purchases = table.Column<double>(type: "double precision", nullable: false),
                    d_spend = table.Column<double>(type: "double precision", nullable: false),
                    categories = table.Column<string>(type: "jsonb", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_user_profiles", x => x.user_id);
                })
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.CreateTable(
                name: "live_assignments",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    run_id = table.Column<long>(type: "bigint", nullable: false),
                    segment_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    assigned_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_live_assignments", x => x.user_id);
                    table.ForeignKey(
                        name: "fk_live_assignments_segmentation_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "segmentation_runs",
                        principalColumn: "run_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "segments",
                columns: table => new
                {
                    run_id = table.Column<long>(type: "bigint", nullable: false),
                    key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    label = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    size = table.Column<int>(type: "integer", nullable: false),
                    centroid_std = table.Column<float[]>(type: "real[]", nullable: false),
                    centroid = table.Column<string>(type: "jsonb", nullable: false),
                    matched_from = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    top_items = table.Column<string[]>(type: "text[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_segments", x => new { x.run_id, x.key });
                    table.ForeignKey(
                        name: "fk_segments_segmentation_runs_run_id",
                        column: x => x.run_id,
                        principalTable: "segmentation_runs",
                        principalColumn: "run_id",
                        onDelete: ReferentialAction.Cascade);
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

            migrationBuilder.CreateIndex(
                name: "ix_live_assignments_run_id",
                table: "live_assignments",
                column: "run_id");

            migrationBuilder.CreateIndex(
                name: "ix_live_assignments_seq",
                table: "live_assignments",
                column: "seq");

            migrationBuilder.CreateIndex(
                name: "ix_segmentation_runs_status",
                table: "segmentation_runs",
                column: "status");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "feedback");

            migrationBuilder.DropTable(
                name: "impressions");

            migrationBuilder.DropTable(
                name: "live_assignments");

            migrationBuilder.DropTable(
                name: "policy_snapshots");

            migrationBuilder.DropTable(
                name: "segment_assignments");

            migrationBuilder.DropTable(
                name: "segments");

            migrationBuilder.DropTable(
                name: "user_profiles");

            migrationBuilder.DropTable(
                name: "segmentation_runs");
        }
    }
}

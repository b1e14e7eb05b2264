using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SegmentService.Api.Storage.Migrations
{
    /// <inheritdoc />
    public partial class OrderFreeOutcomeLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The order-free rule derives "no feedback" (type 0) and γ's bootstrap rows (type 4) from the impressions,
            // so the log keeps only rewards that came back; replicas no longer follow it segment by segment.
            migrationBuilder.Sql("DELETE FROM feedback WHERE type IN (0, 4);");
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_feedback_segment_key_seq;");
            migrationBuilder.DropIndex(
                name: "ix_impressions_unsettled",
                table: "impressions");

            migrationBuilder.DropIndex(
                name: "ix_feedback_bootstrap_of",
                table: "feedback");

            migrationBuilder.DropIndex(
                name: "ix_feedback_recommendation_id_item_id_type",
                table: "feedback");

            migrationBuilder.DropColumn(
                name: "settled",
                table: "impressions");

            migrationBuilder.DropColumn(
                name: "bootstrap_of",
                table: "feedback");

            migrationBuilder.DropColumn(
                name: "initial_q",
                table: "feedback");

            migrationBuilder.DropColumn(
                name: "learning_rate",
                table: "feedback");

            migrationBuilder.DropColumn(
                name: "next_segment_key",
                table: "feedback");

            migrationBuilder.DropColumn(
                name: "target",
                table: "feedback");

            migrationBuilder.CreateSequence(
                name: "policy_version");

            migrationBuilder.AddColumn<string[]>(
                name: "excluded",
                table: "impressions",
                type: "text[]",
                nullable: false,
                defaultValue: new string[0]);

            migrationBuilder.AddColumn<double[]>(
                name: "priors",
                table: "impressions",
                type: "double precision[]",
                nullable: false,
                defaultValue: new double[0]);

            migrationBuilder.CreateIndex(
                name: "ix_impressions_created_at",
                table: "impressions",
                columns: new[] { "created_at", "recommendation_id" });

            migrationBuilder.CreateIndex(
                name: "ix_impressions_user_created_at",
                table: "impressions",
                columns: new[] { "user_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_feedback_recommendation_id_item_id_type",
                table: "feedback",
                columns: new[] { "recommendation_id", "item_id", "type" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_impressions_created_at",
                table: "impressions");

            migrationBuilder.DropIndex(
                name: "ix_impressions_user_created_at",
                table: "impressions");

            migrationBuilder.DropIndex(
                name: "ix_feedback_recommendation_id_item_id_type",
                table: "feedback");

            migrationBuilder.DropColumn(
                name: "excluded",
                table: "impressions");

            migrationBuilder.DropColumn(
                name: "priors",
                table: "impressions");

            migrationBuilder.DropSequence(
                name: "policy_version");

            migrationBuilder.AddColumn<bool>(
                name: "settled",
                table: "impressions",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "bootstrap_of",
                table: "feedback",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "initial_q",
                table: "feedback",
                type: "double precision",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<double>(
                name: "learning_rate",
                table: "feedback",
                type: "double precision",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.AddColumn<string>(
                name: "next_segment_key",
                table: "feedback",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "target",
                table: "feedback",
                type: "double precision",
                nullable: false,
                defaultValue: 0.0);

            migrationBuilder.CreateIndex(
                name: "ix_impressions_unsettled",
                table: "impressions",
                column: "created_at",
                filter: "NOT settled");

            migrationBuilder.CreateIndex(
                name: "ix_feedback_bootstrap_of",
                table: "feedback",
                column: "bootstrap_of",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_feedback_recommendation_id_item_id_type",
                table: "feedback",
                columns: new[] { "recommendation_id", "item_id", "type" },
                unique: true,
                filter: "type <> 4");
        }
    }
}

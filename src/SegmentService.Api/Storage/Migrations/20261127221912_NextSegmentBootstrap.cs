using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SegmentService.Api.Storage.Migrations
{
    /// <inheritdoc />
    public partial class NextSegmentBootstrap : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_feedback_recommendation_id_item_id_type",
                table: "feedback");

            migrationBuilder.AddColumn<long>(
                name: "bootstrap_of",
                table: "feedback",
                type: "bigint",
                nullable: true);

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

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_feedback_bootstrap_of",
                table: "feedback");

            migrationBuilder.DropIndex(
                name: "ix_feedback_recommendation_id_item_id_type",
                table: "feedback");

            migrationBuilder.DropColumn(
                name: "bootstrap_of",
                table: "feedback");

            migrationBuilder.CreateIndex(
                name: "ix_feedback_recommendation_id_item_id_type",
                table: "feedback",
                columns: new[] { "recommendation_id", "item_id", "type" },
                unique: true);
        }
    }
}

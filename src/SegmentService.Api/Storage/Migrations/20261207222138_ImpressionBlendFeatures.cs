using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SegmentService.Api.Storage.Migrations
{
    /// <inheritdoc />
    public partial class ImpressionBlendFeatures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<double[]>(
                name: "blend_features",
                table: "impressions",
                type: "double precision[]",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "blend_features",
                table: "impressions");
        }
    }
}

using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SegmentService.Api.Storage.Migrations
{
    /// <summary>
    /// (segment_key, seq) on the feedback log, for replicas following it segment by segment. Raw SQL: the index is
    /// not part of the EF model (nothing queries feedback through EF), so the model snapshot is unchanged.
    /// </summary>
    [DbContext(typeof(SegmentDbContext))]
    [Migration("20261127230000_FeedbackSegmentIndex")]
    public partial class FeedbackSegmentIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("CREATE INDEX IF NOT EXISTS ix_feedback_segment_key_seq ON feedback (segment_key, seq);");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_feedback_segment_key_seq;");
    }
}

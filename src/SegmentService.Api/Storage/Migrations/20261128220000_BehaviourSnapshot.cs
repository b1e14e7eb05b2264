using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SegmentService.Api.Storage.Migrations
{
    /// <summary>
    /// The behaviour model's snapshot (item co-occurrence rows, engagement, user trails: one binary image cut into
    /// chunks) so a restart loads it and folds only the events received since, and a BRIN index on events.received_at
    /// for that delta (cheap to keep on an append-mostly table). Raw SQL: nothing reads these through EF, so the model
    /// snapshot is unchanged.
    /// </summary>
    [DbContext(typeof(SegmentDbContext))]
    [Migration("20261128220000_BehaviourSnapshot")]
    public partial class BehaviourSnapshot : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""
                CREATE TABLE IF NOT EXISTS behaviour_snapshots (
                    snapshot_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    watermark timestamptz NOT NULL,
                    format integer NOT NULL,
                    chunks integer NOT NULL,
                    bytes bigint NOT NULL,
                    written_at timestamptz NOT NULL
                );
                CREATE TABLE IF NOT EXISTS behaviour_snapshot_chunks (
                    snapshot_id bigint NOT NULL REFERENCES behaviour_snapshots (snapshot_id) ON DELETE CASCADE,
                    seq integer NOT NULL,
                    data bytea NOT NULL,
                    PRIMARY KEY (snapshot_id, seq)
                );
                ALTER TABLE behaviour_snapshot_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
                CREATE INDEX IF NOT EXISTS ix_events_received_at_brin ON events USING brin (received_at);
                """);

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("""
                DROP INDEX IF EXISTS ix_events_received_at_brin;
                DROP TABLE IF EXISTS behaviour_snapshot_chunks;
                DROP TABLE IF EXISTS behaviour_snapshots;
                """);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Segmentation;

/// <summary>A user's segment as a run assigned it. Written in bulk with binary COPY; EF only maps it.</summary>
public sealed class RunAssignment
{
    public long RunId { get; init; }
    public required string UserId { get; init; }
    public required string SegmentKey { get; init; }

    /// <summary>Distance to the centroid in standardised units.</summary>
    public float Distance { get; init; }
}

public sealed class RunAssignmentConfiguration : IEntityTypeConfiguration<RunAssignment>
{
    public void Configure(EntityTypeBuilder<RunAssignment> builder)
    {
        builder.ToTable("segment_assignments");
        builder.HasKey(a => new { a.RunId, a.UserId });
        builder.Property(a => a.UserId).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(a => a.SegmentKey).HasMaxLength(64);
        // No foreign key to segmentation_runs on purpose: its per-row check would dominate the COPY of a million rows.
        // Rows are only written for a run row in the same transaction, and deleted by run (RunStore.PruneAsync).
    }
}

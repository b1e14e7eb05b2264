using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Segmentation;

/// <summary>
/// A move between runs: the user's profile changed and is now nearer another centroid of the run in force.
/// One row per user; <see cref="Seq"/> grows on every write so replicas can pick up moves made elsewhere.
/// </summary>
public sealed class LiveAssignment
{
    public required string UserId { get; init; }
    public long RunId { get; init; }
    public required string SegmentKey { get; init; }
    public DateTimeOffset AssignedAt { get; init; }
    public long Seq { get; init; }
}

public sealed class LiveAssignmentConfiguration : IEntityTypeConfiguration<LiveAssignment>
{
    public void Configure(EntityTypeBuilder<LiveAssignment> builder)
    {
        builder.ToTable("live_assignments");
        builder.HasKey(a => a.UserId);
        builder.Property(a => a.UserId).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(a => a.SegmentKey).HasMaxLength(64);
        builder.Property(a => a.Seq).UseIdentityByDefaultColumn();
        builder.HasIndex(a => a.Seq);
        builder.HasOne<SegmentationRun>().WithMany().HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

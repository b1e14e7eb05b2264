using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Segmentation;

/// <summary>A segment as one run found it. The key carries over between runs when centroids match.</summary>
public sealed class Segment
{
    public long RunId { get; init; }
    public required string Key { get; init; }
    public required string Label { get; init; }
    public int Size { get; init; }

    /// <summary>The centroid in standardised units, in the run's feature order.</summary>
    public required float[] CentroidStd { get; init; }

    /// <summary>jsonb: feature name → member mean in original units.</summary>
    public required string Centroid { get; init; }

    /// <summary>The previous run's key this segment was matched to, if any.</summary>
    public string? MatchedFrom { get; init; }

    public required string[] TopItems { get; init; }
}

public sealed class SegmentConfiguration : IEntityTypeConfiguration<Segment>
{
    public void Configure(EntityTypeBuilder<Segment> builder)
    {
        builder.ToTable("segments");
        builder.HasKey(s => new { s.RunId, s.Key });
        builder.Property(s => s.Key).HasMaxLength(64);
        builder.Property(s => s.MatchedFrom).HasMaxLength(64);
        builder.Property(s => s.Label).HasMaxLength(256);
        builder.Property(s => s.Centroid).HasColumnType("jsonb");
        builder.HasOne<SegmentationRun>().WithMany().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Segmentation;

public static class RunStatus
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Skipped = "skipped";
}

/// <summary>One segmentation run: its outcome, the scaling it used and what it produced.</summary>
public sealed class SegmentationRun
{
    public long RunId { get; init; }
    public required string Status { get; set; }
    public required string Trigger { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; set; }
    public long? PreviousRunId { get; set; }
    public int? K { get; set; }
    public int? Users { get; set; }

    /// <summary>jsonb: the features in order, each with its transform, mean and standard deviation.</summary>
    public string? Features { get; set; }

    /// <summary>jsonb: quality metrics, the score of every K tried, timings.</summary>
    public string? Metrics { get; set; }

    /// <summary>jsonb: users moved from each old key to each new key.</summary>
    public string? Transitions { get; set; }

    /// <summary>The trained ML.NET model (zip bytes).</summary>
    public byte[]? Model { get; set; }

    public string? Error { get; set; }
}

public sealed class SegmentationRunConfiguration : IEntityTypeConfiguration<SegmentationRun>
{
    public void Configure(EntityTypeBuilder<SegmentationRun> builder)
    {
        builder.ToTable("segmentation_runs");
        builder.HasKey(r => r.RunId);
        builder.Property(r => r.RunId).UseIdentityByDefaultColumn();
        builder.Property(r => r.Status).HasMaxLength(16);
        builder.Property(r => r.Trigger).HasMaxLength(16);
        builder.Property(r => r.Features).HasColumnType("jsonb");
        builder.Property(r => r.Metrics).HasColumnType("jsonb");
        builder.Property(r => r.Transitions).HasColumnType("jsonb");
        builder.HasIndex(r => r.Status);
    }
}

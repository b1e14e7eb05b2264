using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Recommendations;

/// <summary>One logged /recommend answer: what was shown, to whom, under which policy, with which propensities.</summary>
public sealed class Impression
{
    public required string RecommendationId { get; init; }
    public required string UserId { get; init; }
    public required string SegmentKey { get; init; }
    public long? RunId { get; init; }
    public long PolicyVersion { get; init; }
    public string? Category { get; init; }
    public required string[] ItemIds { get; init; }
    public required double[] Scores { get; init; }
    public required double[] Propensities { get; init; }
    public required bool[] Explored { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set once the reward window closed and the sweeper gave unrewarded items the default reward.</summary>
    public bool Settled { get; init; }
}

public sealed class ImpressionConfiguration : IEntityTypeConfiguration<Impression>
{
    public void Configure(EntityTypeBuilder<Impression> builder)
    {
        builder.ToTable("impressions");
        builder.HasKey(i => i.RecommendationId);
        builder.Property(i => i.RecommendationId).HasMaxLength(64);
        builder.Property(i => i.UserId).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(i => i.SegmentKey).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(i => i.Category).HasMaxLength(Catalog.CatalogLimits.MaxCategoryLength);
        builder.HasIndex(i => i.CreatedAt).HasFilter("NOT settled").HasDatabaseName("ix_impressions_unsettled");
    }
}

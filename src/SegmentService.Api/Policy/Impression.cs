using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Policy;

/// <summary>
/// One logged /recommend answer: what was shown, to whom, under which policy, with which propensities, which prior
/// each item started from (so every replica settles a new cell from the same value) and what the request left out.
/// </summary>
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

    /// <summary>Each shown item's prior at serving time: the starting value of its cell if this impression is its first.</summary>
    public required double[] Priors { get; init; }

    /// <summary>Which source proposed each shown item: segment, explore, similar or content (the blend learns from the last two).</summary>
    public required string[] Sources { get; init; }

    /// <summary>
    /// The blend's features of each shown item, <see cref="BlendRegression.FeatureCount"/> per item: its served value in
    /// the segment before the blend, then each blended source's relative affinity for it (0: not proposed). Null on
    /// impressions logged before the blend was a regression.
    /// </summary>
    public double[]? BlendFeatures { get; init; }

    /// <summary>Candidates the request filtered out beyond stock and category: its `exclude` list and the user's purchases.</summary>
    public required string[] Excluded { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
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
        // The sweeper reads in (created_at, recommendation_id) order; γ > 0 looks up a user's next impression.
        builder.HasIndex(i => new { i.CreatedAt, i.RecommendationId }).HasDatabaseName("ix_impressions_created_at");
        builder.HasIndex(i => new { i.UserId, i.CreatedAt }).HasDatabaseName("ix_impressions_user_created_at");
    }
}

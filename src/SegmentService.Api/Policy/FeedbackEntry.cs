using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Policy;

/// <summary>Stored as smallint; the numbers are part of the schema (1–3; 0 and 4 were used by an earlier rule).</summary>
public enum FeedbackType : short
{
    Click = 1,
    AddToCart = 2,
    Purchase = 3,
}

/// <summary>
/// One reward that came back for a shown item within its window: with the impressions it is the outcome log the
/// Q-table is folded from. At most one per (recommendation, item, type); a click and a purchase of one item add up.
/// </summary>
public sealed class FeedbackEntry
{
    public long Seq { get; init; }
    public required string RecommendationId { get; init; }
    public required string ItemId { get; init; }
    public FeedbackType Type { get; init; }
    public required string UserId { get; init; }
    public required string SegmentKey { get; init; }
    public double Reward { get; init; }
    public decimal? Amount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public sealed class FeedbackEntryConfiguration : IEntityTypeConfiguration<FeedbackEntry>
{
    public void Configure(EntityTypeBuilder<FeedbackEntry> builder)
    {
        builder.ToTable("feedback");
        builder.HasKey(f => f.Seq);
        builder.Property(f => f.Seq).UseIdentityAlwaysColumn();
        builder.Property(f => f.RecommendationId).HasMaxLength(64);
        builder.Property(f => f.ItemId).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(f => f.UserId).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(f => f.SegmentKey).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(f => f.Type).HasConversion<short>();
        builder.Property(f => f.Amount).HasPrecision(19, 4);
        builder.HasIndex(f => new { f.RecommendationId, f.ItemId, f.Type }).IsUnique();
    }
}

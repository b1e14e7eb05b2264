using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Feedback;

/// <summary>Stored as smallint; the numbers are part of the schema.</summary>
public enum FeedbackType : short
{
    /// <summary>No feedback within the reward window: the default reward.</summary>
    Expired = 0,
    Click = 1,
    AddToCart = 2,
    Purchase = 3,

    /// <summary>
    /// Not a reward: the deferred γ·max_a' Q[s',a'] part of an earlier row's update, logged when the user's next
    /// recommendation reveals s'. <see cref="FeedbackEntry.BootstrapOf"/> names that row.
    /// </summary>
    Bootstrap = 4,
}

/// <summary>
/// One applied reward: the source of truth for the Q-table. Rows are applied in <see cref="Seq"/> order,
/// and each carries every input of its update (starting value, target, learning rate) so replay is exact.
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

    /// <summary>The item's Q (or prior) before this update.</summary>
    public double InitialQ { get; init; }

    /// <summary>
    /// A reward row: r (Q ← Q + η (r − Q)). A <see cref="FeedbackType.Bootstrap"/> row: γ·max_a' Q[s', a'] (Q ← Q + η·target).
    /// </summary>
    public double Target { get; init; }
    public double LearningRate { get; init; }

    /// <summary>s': on a bootstrap row, the user's segment at their next recommendation; null on reward rows.</summary>
    public string? NextSegmentKey { get; init; }

    /// <summary>On a bootstrap row, the seq of the reward row whose update it completes (at most one per reward row).</summary>
    public long? BootstrapOf { get; init; }
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
        builder.Property(f => f.NextSegmentKey).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(f => f.Type).HasConversion<short>();
        builder.Property(f => f.Amount).HasPrecision(19, 4);
        // One reward per (recommendation, item, type); bootstrap rows repeat that triple (a click and a purchase of
        // one item each get one) and are unique by the reward row they complete instead.
        builder.HasIndex(f => new { f.RecommendationId, f.ItemId, f.Type }).IsUnique().HasFilter("type <> 4");
        builder.HasIndex(f => f.BootstrapOf).IsUnique();
    }
}

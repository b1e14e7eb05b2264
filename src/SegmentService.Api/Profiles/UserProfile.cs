using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace SegmentService.Api.Profiles;

/// <summary>
/// A user's behaviour counters, written by the event insert's own statement (see <see cref="ProfileSql"/>);
/// EF only maps them. Decayed values (<c>D*</c>, <see cref="Categories"/>) are as of <see cref="RefTime"/>:
/// to read them at time t multiply by 2^(−(t − RefTime)/half-life).
/// </summary>
public sealed class UserProfile
{
    public required string UserId { get; init; }
    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    public DateTimeOffset RefTime { get; init; }
    public long Views { get; init; }
    public long Clicks { get; init; }
    public long Carts { get; init; }
    public long Purchases { get; init; }
    public long Units { get; init; }
    public double Spend { get; init; }
    public double DViews { get; init; }
    public double DClicks { get; init; }
    public double DCarts { get; init; }
    public double DPurchases { get; init; }
    public double DSpend { get; init; }

    /// <summary>Category → decayed event count (jsonb); 'other' for items not in the catalogue.</summary>
    public required string Categories { get; init; }
}

public sealed class UserProfileConfiguration : IEntityTypeConfiguration<UserProfile>
{
    public void Configure(EntityTypeBuilder<UserProfile> builder)
    {
        builder.ToTable("user_profiles");
        builder.HasKey(p => p.UserId);
        builder.Property(p => p.UserId).HasMaxLength(Validation.InputRules.MaxIdLength);
        builder.Property(p => p.DViews).HasColumnName("d_views");
        builder.Property(p => p.DClicks).HasColumnName("d_clicks");
        builder.Property(p => p.DCarts).HasColumnName("d_carts");
        builder.Property(p => p.DPurchases).HasColumnName("d_purchases");
        builder.Property(p => p.DSpend).HasColumnName("d_spend");
        builder.Property(p => p.Categories).HasColumnType("jsonb");
        // Every event updates its user's row: no index on a column that changes (last_seen) and free space on each
        // page keep those updates HOT (no index writes). A run reads nearly every row, so it scans anyway.
        builder.HasStorageParameter("fillfactor", 70);
    }
}
